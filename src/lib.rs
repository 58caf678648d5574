pub mod precision;
