//! HTML reports: self-contained pages (inline CSS and SVG, one small inline script, no network)
//! built with an escaping builder, so every user-supplied string shows as text.

mod escape;
mod meeting;
mod overview;
mod style;
mod svg;

pub use escape::{escape, Attrs, Html, Th};
pub use meeting::render_meeting_html;
pub use overview::render_overview;
pub use style::page;
use svg::{bar_chart, column_chart};
