//! One integration-test binary: every test drives the real `taggenius` binary as a user would,
//! with a real SQLite file in a temp folder and, where it talks to a provider, a real HTTP
//! server on 127.0.0.1.

mod crates;
mod mock;
#[path = "../support/openai_server.rs"]
mod openai_server;
mod util;
mod varied;
mod xmltree;

mod busy_cache;
mod config;
mod core;
mod faults;
mod find;
mod hostile;
mod in_place;
mod interrupt;
mod openai;
mod outputs;
mod playlists;
mod pool;
mod pool_faults;
mod properties;
mod real;
mod servers;
mod set;
mod set_playlists;
mod traktor;
mod unicode;
mod virtualdj;
