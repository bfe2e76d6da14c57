//! (in progress)
use crate::item::{Location, Parsed};
pub fn parse_html_page(
    _bytes: &[u8],
    _location: Location,
    _ct: Option<&str>,
    _emit: &mut dyn FnMut(Parsed),
) {
}
