//! One module per subcommand.

pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod generate;
pub(crate) mod new;
pub(crate) mod schema;
pub(crate) mod token;
