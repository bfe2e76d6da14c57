//! Reading inputs: format and charset detection, and one pure parser per format.

pub mod charset;
pub mod detect;
pub mod feed;
pub mod html;
pub mod json;
pub mod limits;
pub(crate) mod read;
pub mod select;
pub(crate) mod stream;
pub mod text;
pub(crate) mod walk;
