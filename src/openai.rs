//! The OpenAI-compatible provider (stub, being written).
