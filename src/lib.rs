//! taggenius: tag a DJ library once with an LLM, render any detail level from a local cache.

pub mod blueprint;
pub mod local;
pub mod openai;
pub mod track;
