//! Report: builds the lists analysts hand on — the per-enterprise list (一企一清单) and the list
//! of common problems (共性问题清单) ranked by how many enterprises raise each — plus the counts in
//! `summary.json`, and writes them as CSV (UTF-8 with BOM, so Excel reads the Chinese), JSON and
//! a Markdown report to paste from and an HTML report to read, filter and print; for one topic,
//! a meeting pack (会议材料) as HTML, Markdown and Excel.

mod cells;
mod groups;
mod html;
mod lists;
mod markdown;
mod meeting;
pub mod page;
mod streamed_file;
mod summary;
mod tables;
mod xlsx;

pub use cells::{excel_cell_text, spreadsheet_safe, EXCEL_CELL_MAX, EXCEL_CUT_MARKER};
pub use groups::{group_record, group_records, record_of, GroupMember, GroupRecord, MemberInput};
pub use html::{escape, page as html_page, render_meeting_html, render_overview, Attrs, Html, Th};
pub use lists::{build_lists, CommonProblem, EnterpriseList, Lists, ProblemLine};
pub use markdown::{cell as markdown_cell, render_markdown};
pub use meeting::{
    meeting_file_stem, meeting_pack, render_meeting_markdown, write_meeting_pack, AnsweredMatter,
    MeetingEnterprise, MeetingItem, MeetingPack,
};
pub use streamed_file::StreamedFile;
pub use summary::{Counts, Summary};
pub use tables::{
    write_atomically, write_csv, write_json, write_outputs, write_report_html, REPORT_HTML,
};
pub use xlsx::{meeting_xlsx_bytes, write_meeting_xlsx, write_text as write_xlsx_text};
