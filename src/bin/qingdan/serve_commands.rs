//! `qingdan serve` (the workbench) and `qingdan account` (its accounts).

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use qingdan::store::Role;
use qingdan::web::DEFAULT_LISTEN;
use qingdan::workspace::DEFAULT_WORKSPACE;

use crate::commands::built_workspace;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long, short, default_value = DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
    /// 监听地址；默认只许本机访问。其他地址（如 0.0.0.0:8350）须先建立账户
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: String,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// 添加账户（同名则改密码、角色或单位）；密码从环境变量 QINGDAN_PASSWORD 或标准输入第一行读取
    Add(AccountAddArgs),
    /// 列出账户
    List(AccountWorkspace),
    /// 删除账户
    Remove(AccountRemoveArgs),
}

#[derive(Debug, Args)]
pub struct AccountWorkspace {
    #[arg(long, short, default_value = DEFAULT_WORKSPACE)]
    pub workspace: PathBuf,
}

#[derive(Debug, Args)]
pub struct AccountAddArgs {
    /// 账户名（登录用，也是操作记录里的姓名）
    pub name: String,
    /// 角色：分析员、承办单位、只读
    #[arg(long)]
    pub role: String,
    /// 承办单位账户所属的单位（与交办时的单位名称一致）
    #[arg(long, default_value = "")]
    pub unit: String,
    #[command(flatten)]
    pub ws: AccountWorkspace,
}

#[derive(Debug, Args)]
pub struct AccountRemoveArgs {
    pub name: String,
    #[command(flatten)]
    pub ws: AccountWorkspace,
}

pub fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let listen: SocketAddr = a
        .listen
        .parse()
        .with_context(|| format!("--listen “{}” 不是地址，应如 127.0.0.1:8350", a.listen))?;
    qingdan::web::serve(built_workspace(&a.workspace)?, listen)?;
    Ok(ExitCode::SUCCESS)
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("QINGDAN_PASSWORD") {
        return Ok(p);
    }
    eprintln!("请输入密码（一行）：");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法读取密码")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn account(c: AccountCommand) -> anyhow::Result<ExitCode> {
    match c {
        AccountCommand::Add(a) => {
            let Some(role) = Role::parse(&a.role) else {
                bail!("--role “{}” 无效，应为 分析员、承办单位 或 只读", a.role);
            };
            let ws = built_workspace(&a.ws.workspace)?;
            let password = read_password()?;
            ws.put_account(&a.name, role, &a.unit, &password)?;
            println!("已保存账户“{}”（{}）", a.name.trim(), role.label());
        }
        AccountCommand::List(a) => {
            let accounts = built_workspace(&a.workspace)?.accounts()?;
            if accounts.is_empty() {
                println!("尚无账户：工作台只许本机访问，访问者即为分析员");
            }
            for acc in accounts {
                match acc.role {
                    Role::Department => {
                        println!("{}\t{}\t{}", acc.name, acc.role.label(), acc.unit)
                    }
                    _ => println!("{}\t{}", acc.name, acc.role.label()),
                }
            }
        }
        AccountCommand::Remove(a) => {
            built_workspace(&a.ws.workspace)?.remove_account(&a.name)?;
            println!("已删除账户“{}”", a.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
