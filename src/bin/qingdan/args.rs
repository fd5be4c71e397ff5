//! The command line, as clap structs. Only parsing lives here; checking happens in the library's
//! `RunConfig` and in the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "qingdan",
    version,
    about = "把收集来的企业意见建议整理成清单：分主题、合并同类项、一企一清单、共性问题清单、检索和报告",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 处理一批意见建议（不给文件时处理内置示例语料），写出清单、索引和报告
    Run(RunArgs),
    /// 把新一批意见建议加入已有工作目录：只分析新的和内容有变的条目，编号相同的更新，新的追加
    Add(AddArgs),
    /// 在工作目录中检索（BM25，按词检索，结果高亮）
    Search(SearchArgs),
    /// 查找与某条（或一段文字）最相似的已有意见建议：“以前有人提过吗？”
    Similar(SimilarArgs),
    /// 用已标注的历史数据训练主题分类模型（代替关键词分类）
    Train(TrainArgs),
    /// 评估：主题分类（交叉验证或已训练模型）
    #[command(subcommand)]
    Eval(EvalCommand),
    /// 显示正在使用的主题分类（关键词或模型）
    Topics(TopicsArgs),
    /// 列出合并组；--explain 组号 说明为何合并（每条与代表表述的相似度和共同词）
    Groups(GroupsArgs),
    /// 把一个主题（或全部）的条目聚成子问题：特征词、代表表述、企业/渠道/地区计数、簇外相似意见
    Clusters(ClustersArgs),
    /// 更正：把这些条目或合并组并为一组（以后每次 run/add 都遵守）
    Merge(CorrectArgs),
    /// 更正：把这些条目（或合并组的全部条目）拆开，不再自动合并
    Split(CorrectArgs),
    /// 列出已记录的更正
    Corrections(CorrectionsArgs),
    /// 从工作目录的数据库重写全部导出文件（报告、清单、CSV）；--meeting 主题 另写该主题的会议材料（HTML、Markdown、Excel）
    Report(ReportArgs),
    /// 按已保存的分析结果重新合并全部条目（不重新分词和分类），更正照样遵守
    Regroup(RegroupArgs),
    /// 检查工作目录是否完好：数据库完整、各项计数相符、索引与数据库一致（索引落后时先补上）
    Check(CheckArgs),
    /// 交办：把条目或合并组（组内每一条）交给主办单位，按期限方案定答复期限
    Assign(crate::loop_args::AssignArgs),
    /// 建议承办单位：按主题和用词，参照职责清单和以往交办，每条给出最可能的三个单位
    Suggest(crate::loop_args::SuggestArgs),
    /// 事项的办理环节：签收、退回改派、延期、答复、评价、重办、办结、长期跟踪、回访、撤销，和查看记录
    #[command(subcommand)]
    Case(crate::loop_args::CaseCommand),
    /// 导入交办表（编号或合并组号、主办单位、协办单位、交办日期、答复期限、事项类别），如 suggest --xlsx 写出并核对过的表
    Assignments(crate::loop_args::AssignImportArgs),
    /// 导入答复表（编号或合并组号、答复意见、答复时间、承办单位、办理结果）
    Replies(crate::loop_args::ImportArgs),
    /// 导入评价表（编号、满意度、评价时间）
    Ratings(crate::loop_args::ImportArgs),
    /// 列出即将到期、逾期（催办）和严重逾期（督办）的事项，以及应跟踪回访的长期事项
    Overdue(crate::loop_args::OverdueArgs),
    /// 月度分析：按时答复率、满意率等，按单位、主题、层级；写出月报（HTML、Markdown、Excel）、各单位交办单、督办单和全流程记录
    Monthly(crate::loop_args::MonthlyArgs),
    /// 显示或设置闭环用的期限方案、节假日日历和职责清单
    LoopConfig(crate::loop_args::LoopConfigArgs),
    /// 启动网页工作台：检索、清单、合并与拆分、交办与答复、月报与会议材料、上传批次
    Serve(crate::serve_commands::ServeArgs),
    /// 管理工作台账户（分析员、承办单位、只读）
    #[command(subcommand)]
    Account(crate::serve_commands::AccountCommand),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RegroupArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// What every command that changes a workspace takes.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 不写出导出文件（报告、清单、CSV），连续加入多批时更快；之后用 qingdan report 写出
    #[arg(long)]
    pub no_export: bool,
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 为这个主题写会议材料（如 金融信贷）：meeting-主题.html、.md、.xlsx
    #[arg(long, value_name = "主题")]
    pub meeting: Option<String>,
    /// 会议材料的子问题个数：整数，或 auto 自动选择
    #[arg(long, value_name = "N|auto", requires = "meeting")]
    pub k: Option<qingdan::clusters::KChoice>,
    /// 子问题聚类的随机种子（同样的数据和种子，结果相同）
    #[arg(long, requires = "meeting")]
    pub seed: Option<u64>,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

#[derive(Debug, Args)]
pub struct CorrectArgs {
    /// 条目编号或合并组号（如 QD0001 G-QD0026）
    #[arg(required = true)]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub change: ChangeArgs,
}

#[derive(Debug, Args)]
pub struct CorrectionsArgs {
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// 说明这个合并组（如 G-QD0026）
    #[arg(long, value_name = "组号")]
    pub explain: Option<String>,
    /// 只列出至少这么多条的组
    #[arg(long, default_value_t = 2)]
    pub min_size: usize,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClustersArgs {
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 只聚类这个主题的条目（按主主题，如 金融信贷）；不给则聚类全部条目
    #[arg(long)]
    pub topic: Option<String>,
    /// 子问题个数：整数，或 auto（按平均轮廓系数自动选择）
    #[arg(long, value_name = "N|auto", default_value = "auto")]
    pub k: qingdan::clusters::KChoice,
    /// 随机种子（同样的数据和种子，结果相同）
    #[arg(long, default_value_t = qingdan::clusters::DEFAULT_SEED)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = ClustersFormat::Table)]
    pub format: ClustersFormat,
    /// 在这个工作目录的索引里找簇外相似意见（如以往的提案），而不是本工作目录
    #[arg(long, value_name = "DIR")]
    pub past: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClustersFormat {
    /// 终端表格
    Table,
    /// Markdown
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalClustersArgs {
    /// 金标准文件（JSONL：{id, topics, group|null} 或 {id, reject}）
    #[arg(long)]
    pub gold: PathBuf,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 评估这些主题（默认 金融信贷 物流运输 土地用地 人才用工）
    #[arg(long = "topic", value_name = "主题")]
    pub topics: Vec<String>,
    #[arg(long, default_value_t = qingdan::clusters::DEFAULT_SEED)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// 主题分类：宏平均F1、准确率、各类精确率/召回率/F1、混淆矩阵
    Topics(EvalTopicsArgs),
    /// 相似度（合并同类项的依据）：在标注的句子对上算精确率、召回率、F1、准确率、AUC
    Pairs(EvalPairsArgs),
    /// 子问题聚类：各主题按金标准合并组算调整兰德指数（ARI）和标准化互信息（NMI）
    Clusters(EvalClustersArgs),
    /// 答复相关度：每条留言的本条答复对比他条答复（随机、同主题、最相似），算 ROC AUC
    Replies(EvalRepliesArgs),
    /// 承办单位推荐：以答复中写明的承办单位为准，算第1位和前3位命中率
    Routing(EvalRepliesArgs),
    /// 按编号标注的真实留言（如 corpora/realdev/topics.csv）：内置主题分类（同 run）的主要主题准确率、宏平均F1
    Taxonomy(EvalByIdArgs),
    /// 按编号标注的热点问题（如 corpora/realdev/hot_issues.csv）：全部留言聚类（k 自动、k=问题数）和合并组的 ARI
    HotIssues(EvalByIdArgs),
}

#[derive(Debug, Args)]
pub struct EvalByIdArgs {
    /// 标注文件（CSV：留言编号，及 topics 或 issue，可有 half）
    pub labels: PathBuf,
    /// 留言所在的数据文件（CSV、Excel、JSONL）
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    /// 只评估这一半（dev 调参用，held 留到最后）
    #[arg(long, value_parser = ["dev", "held"])]
    pub half: Option<String>,
    /// 列出每条未命中的留言
    #[arg(long)]
    pub misses: bool,
    #[arg(long, default_value_t = qingdan::clusters::DEFAULT_SEED)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArg,
    #[arg(long, value_name = "DIR")]
    pub dicts: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalRepliesArgs {
    /// 留言及答复（CSV、Excel、JSONL，有 答复意见 列，如 tipdm 的 replies_2816.jsonl）
    pub file: PathBuf,
    /// 划分调参半和测试半、抽取负例的随机种子
    #[arg(long, default_value_t = qingdan::clusters::DEFAULT_SEED)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
    /// 用此目录中的词典文件替换内置词典（含职责清单 duties.toml）
    #[arg(long, value_name = "DIR")]
    pub dicts: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalPairsArgs {
    /// 句子对文件（JSONL 或 CSV，列 s1、s2、label；label 1 = 同义）
    pub pairs: PathBuf,
    /// 在这个文件上拟合权重和阈值，在 PAIRS 上评估（否则在 PAIRS 上做 K 折交叉验证）
    #[arg(long)]
    pub dev: Option<PathBuf>,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// 共享句子的句子对放在同一折（测试句子从未在训练中出现；文件中句子重复时更严格）
    #[arg(long, conflicts_with = "dev")]
    pub disjoint_sentences: bool,
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_name = "DIR")]
    pub dicts: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ModelArg {
    /// 用 qingdan train 训练的模型代替关键词主题分类
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// 已标注的文件（需有内容列和标签列，如 一级标签）
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// 模型输出文件
    #[arg(long, short)]
    pub out: PathBuf,
    /// 正则化参数 C（越大越贴合训练数据）
    #[arg(long, default_value_t = 1.0)]
    pub c: f32,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct EvalTopicsArgs {
    /// 已标注的文件
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// 评估这个已训练的模型（否则在这些文件上做 K 折交叉验证）
    #[arg(long, conflicts_with = "folds")]
    pub model: Option<PathBuf>,
    /// 分层 K 折交叉验证的折数
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// 对半法：按（标签，编号）排序后交替分为开发半和留出半；报告开发半内 K 折交叉验证，
    /// 以及开发半训练、留出半测试的结果（调参只看前者）
    #[arg(long, conflicts_with = "model")]
    pub split_halves: bool,
    #[arg(long, default_value_t = 1.0)]
    pub c: f32,
    /// 不按类别大小平衡权重
    #[arg(long)]
    pub unbalanced: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct TopicsArgs {
    #[command(flatten)]
    pub model: ModelArg,
    #[arg(long, value_name = "DIR")]
    pub dicts: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// 读取 Excel 的哪个工作表（默认第一个）
    #[arg(long)]
    pub sheet: Option<String>,
    /// 指定列，如 --column text=留言详情（字段: id enterprise title text date channel region）
    #[arg(long = "column", value_name = "字段=列名")]
    pub columns: Vec<String>,
    /// 用此目录中的词典文件替换内置词典（user.dict stopwords.txt synonyms.txt topics.toml）
    #[arg(long, value_name = "DIR")]
    pub dicts: Option<PathBuf>,
    /// 不显示进度条
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// 输入文件：CSV（UTF-8/GBK）、XLSX、JSONL；不给则处理内置示例语料
    pub inputs: Vec<PathBuf>,
    /// 输出（工作）目录（也可写 --workspace，与其他命令一致）
    #[arg(long, short, visible_alias = "workspace", default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub out: PathBuf,
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// 新一批输入文件
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    #[command(flatten)]
    pub model: ModelArg,
    /// 用 --model/--dicts 给出的新设置重新分析工作目录的全部条目（不加时，设置与工作目录不同即拒绝）
    #[arg(long)]
    pub reanalyse: bool,
    /// 不写出导出文件（报告、清单、CSV），连续加入多批时更快；之后用 qingdan report 写出
    #[arg(long)]
    pub no_export: bool,

    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// 检索词，如 “中小企业贷款难”
    pub query: String,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 只看某一主题（如 金融信贷）
    #[arg(long)]
    pub topic: Option<String>,
    /// 只看企业名称含这些词的
    #[arg(long)]
    pub enterprise: Option<String>,
    /// 只看某一渠道（如 恳谈会）
    #[arg(long)]
    pub channel: Option<String>,
    /// 只看某一地区（如 高新区、市级）
    #[arg(long)]
    pub region: Option<String>,
    /// 起始日期（含），如 2025-03-01
    #[arg(long)]
    pub from: Option<String>,
    /// 截止日期（含）
    #[arg(long)]
    pub to: Option<String>,
    /// 最多列出的条数（至少 1）
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// 输出 JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// 已有意见建议的编号
    #[arg(required_unless_present = "text", conflicts_with = "text")]
    pub id: Option<String>,
    /// 或直接给一段文字
    #[arg(long)]
    pub text: Option<String>,
    #[arg(long, short, default_value = qingdan::workspace::DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 最多列出的条数（至少 1）
    #[arg(long, short = 'n', default_value_t = 5)]
    pub limit: usize,
    /// 相似度低于此值的不列出（0–1；合并同类项的门槛为 0.15）
    #[arg(long, default_value_t = 0.10)]
    pub min_score: f32,
    #[arg(long)]
    pub json: bool,
}
