//! rekordbox XML: COLLECTION TRACK elements, their attributes, and their encodings.

pub(crate) mod fast_scan;
pub(crate) mod scan;
