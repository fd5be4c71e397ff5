//! The closed loop's command line: 交办, the steps of a matter, reply and rating sheets, what is
//! overdue, and the monthly analysis.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// What every step of a matter takes: where, when, who, and a note.
#[derive(Debug, Args)]
pub struct StepArgs {
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 办理日期（默认今天，北京时间），如 2025-03-14
    #[arg(long, value_name = "日期")]
    pub date: Option<String>,
    /// 经办人（默认取环境变量 QINGDAN_USER，再取 USER）
    #[arg(long, value_name = "姓名")]
    pub by: Option<String>,
    /// 说明
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// 条目编号或合并组号（合并组：交办组内每一条）
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// 主办单位
    #[arg(long, value_name = "单位", required_unless_present = "suggested")]
    pub to: Option<String>,
    /// 交给建议的第一个单位（见 qingdan suggest）
    #[arg(long, conflicts_with = "to")]
    pub suggested: bool,
    /// 协办单位（可多次给出）
    #[arg(long, value_name = "单位")]
    pub co: Vec<String>,
    /// 答复期限（默认按期限方案从交办日算起）
    #[arg(long, value_name = "日期")]
    pub due: Option<String>,
    /// 事项类别（热线方案按类别定期限，如 咨询、求助、投诉、建议）
    #[arg(long, value_name = "类别")]
    pub kind: Option<String>,
    /// 期限方案（见 qingdan loop-config）
    #[arg(long, value_name = "方案")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// 条目编号或合并组号（不给：全部待交办事项）
    pub ids: Vec<String>,
    /// 每条建议几个单位
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    #[arg(long)]
    pub json: bool,
    /// 写出交办建议表（Excel）：每条的建议单位，和待填的主办单位、协办单位、交办日期等列；核对后用 qingdan assignments 导入
    #[arg(long, value_name = "文件.xlsx", conflicts_with = "json")]
    pub xlsx: Option<PathBuf>,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

/// The steps after 交办.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// 显示事项的状态和全部记录（含撤销）
    Show(ShowArgs),
    /// 签收：承办单位开始办理
    Accept(IdsStep),
    /// 退回改派：非本单位职责，退回待交办
    Return(ReasonStep),
    /// 延期：新的答复期限和理由
    Extend(ExtendArgs),
    /// 答复（也可用 qingdan replies 导入答复表）
    Reply(ReplyArgs),
    /// 评价（也可用 qingdan ratings 导入评价表）
    Rate(RateArgs),
    /// 重办：评价不满意后重新办理
    Reopen(ReopenArgs),
    /// 办结
    Close(IdsStep),
    /// 长期跟踪（如列入计划的事项）
    Track(ReasonStep),
    /// 跟踪回访：记录一次回访
    FollowUp(IdsStep),
    /// 撤销：按记录号撤销先前的记录（记录本身保留）
    Undo(UndoArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    #[arg(long)]
    pub json: bool,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

#[derive(Debug, Args)]
pub struct IdsStep {
    /// 条目编号或合并组号
    #[arg(required = true)]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct ReasonStep {
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// 理由
    #[arg(long, required = true)]
    pub reason: String,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct ExtendArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// 新的答复期限
    #[arg(long, value_name = "日期", required = true)]
    pub due: String,
    #[arg(long, required = true)]
    pub reason: String,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct ReplyArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// 答复意见
    #[arg(long, required = true)]
    pub text: String,
    /// 办理结果：已解决、部分解决、列入计划、政策解释、非本单位职责（已转办）
    #[arg(long, value_name = "办理结果", required = true)]
    pub result: String,
    /// 答复单位（默认主办单位）
    #[arg(long, value_name = "单位")]
    pub unit: Option<String>,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct RateArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// 满意、基本满意、不满意
    #[arg(long, required = true)]
    pub rating: String,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct ReopenArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    #[arg(long, required = true)]
    pub reason: String,
    /// 新的答复期限（默认按期限方案从重办日算起）
    #[arg(long, value_name = "日期")]
    pub due: Option<String>,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// 记录号（见 qingdan case show）
    #[arg(required = true)]
    pub events: Vec<i64>,
    #[arg(long, required = true)]
    pub reason: String,
    #[command(flatten)]
    pub step: StepArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 答复表或评价表（Excel、CSV、JSONL）
    pub file: PathBuf,
    /// 读取哪个工作表（默认第一个）
    #[arg(long)]
    pub sheet: Option<String>,
    /// 指定列名，如 --column reply=处理意见
    #[arg(long = "column", value_name = "字段=列名")]
    pub columns: Vec<String>,
    #[arg(long)]
    pub by: Option<String>,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct AssignImportArgs {
    #[command(flatten)]
    pub import: ImportArgs,
    /// 期限方案（表中未填答复期限时按它计算）
    #[arg(long, value_name = "方案")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct OverdueArgs {
    /// 按哪天计算（默认今天）
    #[arg(long, value_name = "日期")]
    pub as_of: Option<String>,
    #[arg(long)]
    pub json: bool,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

#[derive(Debug, Args)]
pub struct MonthlyArgs {
    /// 月份，如 2025-03（默认截止日所在月）
    #[arg(long, value_name = "年-月")]
    pub month: Option<String>,
    /// 截止日（默认今天；月报写“截至”此日）
    #[arg(long, value_name = "日期")]
    pub as_of: Option<String>,
    /// 另在标准输出打印月报的全部数字（JSON）
    #[arg(long)]
    pub json: bool,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

#[derive(Debug, Args)]
pub struct LoopConfigArgs {
    /// 期限方案文件（TOML，格式见 dicts/deadlines.toml）
    #[arg(long, value_name = "文件")]
    pub deadlines: Option<PathBuf>,
    /// 补充的节假日和调休上班日（TOML，格式见 dicts/calendar.toml）
    #[arg(long, value_name = "文件")]
    pub calendar: Option<PathBuf>,
    /// 职责清单（TOML，格式见 dicts/duties.toml）
    #[arg(long, value_name = "文件")]
    pub duties: Option<PathBuf>,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}
