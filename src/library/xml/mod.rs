//! What every XML library format shares: the well-formedness checks and escaping rules, and the
//! attribute tokenizer.

pub(crate) mod attributes;
pub(crate) mod checks;
