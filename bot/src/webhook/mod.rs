//! What arrives from a forge before anything is parsed: the signature or token that
//! proves the forge sent it. Everything here runs on raw bytes and compares in
//! constant time.

pub mod signature;
