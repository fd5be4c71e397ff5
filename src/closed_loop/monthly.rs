//! The monthly report in the platforms' own style (HTML, Markdown, XLSX), and the 交办单 per
//! department, the 督办单 of overdue matters and the lifecycle export with every timestamp.
