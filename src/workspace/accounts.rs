//! The workbench's accounts on a workspace: adding (the password hashed with argon2, a fresh
//! random salt each), removing, and checking a login. Every change is audited like any other.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use super::Workspace;
use crate::store::{now_utc, Account, Role};
use crate::{Error, Result};

/// The shortest password an account may have.
const MIN_PASSWORD_CHARS: usize = 8;

/// A password's argon2id hash, in PHC form.
fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Account(format!("无法取得随机数：{e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Account(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Account(format!("无法计算密码摘要：{e}")))
}

/// Whether `password` matches a stored hash (false for a malformed hash).
fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

impl Workspace {
    /// Adds an account, or replaces the one of the same name (a new password, role or unit).
    pub fn put_account(&self, name: &str, role: Role, unit: &str, password: &str) -> Result<()> {
        let name = name.trim();
        let unit = unit.trim();
        let bad = |reason: String| Error::Account(reason);
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(bad("账户名应为1到64个字符，不含控制字符".into()));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(bad(format!("密码至少{MIN_PASSWORD_CHARS}个字符")));
        }
        match role {
            Role::Department if unit.is_empty() => {
                return Err(bad("承办单位账户须指明单位（--unit）".into()))
            }
            Role::Analyst | Role::Reader if !unit.is_empty() => {
                return Err(bad("只有承办单位账户带单位".into()))
            }
            _ => {}
        }
        let account = Account {
            name: name.to_string(),
            role,
            unit: unit.to_string(),
            password: hash_password(password)?,
            created: now_utc(),
        };
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        let action = if change.view().account(name)?.is_some() {
            "修改账户"
        } else {
            "添加账户"
        };
        change.put_account(&account)?;
        let detail = match role {
            Role::Department => format!("{name}（{}：{unit}）", role.label()),
            _ => format!("{name}（{}）", role.label()),
        };
        change.audit(self.actor(), action, &detail)?;
        change.commit()
    }

    /// Removes an account; an error when there is none of that name.
    pub fn remove_account(&self, name: &str) -> Result<()> {
        let mut w = self.writer(false)?;
        let change = w.store.change()?;
        if !change.remove_account(name)? {
            return Err(Error::Account(format!("没有账户“{name}”")));
        }
        change.audit(self.actor(), "删除账户", name)?;
        change.commit()
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.read(|view| view.accounts())
    }

    /// The account when the password is right. A wrong name costs a hash as well, so the time
    /// taken does not tell whether an account exists.
    pub fn login(&self, name: &str, password: &str) -> Result<Option<Account>> {
        let account = self.read(|view| view.account(name.trim()))?;
        match account {
            Some(a) if password_matches(password, &a.password) => Ok(Some(a)),
            Some(_) => Ok(None),
            None => {
                let _ = password_matches(password, dummy_hash());
                Ok(None)
            }
        }
    }
}

/// A hash of a random password, checked for unknown names.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("qingdan-no-such-account").unwrap_or_default())
}
