//! The workbench's accounts: a name, a role, the department a 承办单位 account answers for, and
//! a password hash (argon2, made by the caller; the store never sees a password).

use rusqlite::{params, OptionalExtension, Row};

use super::{Change, View};
use crate::Result;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 分析员: everything.
    Analyst,
    /// 承办单位: sees and answers only the matters assigned to its unit.
    Department,
    /// 只读: reads every page, changes nothing.
    Reader,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Analyst, Role::Department, Role::Reader];

    pub fn label(self) -> &'static str {
        match self {
            Role::Analyst => "分析员",
            Role::Department => "承办单位",
            Role::Reader => "只读",
        }
    }

    /// The label, or its pinyin/English alias (`analyst`, `department`, `reader`).
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim() {
            "分析员" | "analyst" => Some(Role::Analyst),
            "承办单位" | "department" | "unit" => Some(Role::Department),
            "只读" | "reader" | "readonly" => Some(Role::Reader),
            _ => None,
        }
    }
}

/// One account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// The department a 承办单位 account answers for; empty for the other roles.
    pub unit: String,
    /// The password's argon2 hash in PHC form.
    pub password: String,
    pub created: String,
}

fn account_row(r: &Row) -> rusqlite::Result<Account> {
    let role: String = r.get(1)?;
    Ok(Account {
        name: r.get(0)?,
        // The schema's CHECK admits only the three labels.
        role: Role::parse(&role).unwrap_or(Role::Reader),
        unit: r.get(2)?,
        password: r.get(3)?,
        created: r.get(4)?,
    })
}

impl View<'_> {
    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, role, unit, password, created FROM accounts ORDER BY name")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], account_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        self.conn
            .query_row(
                "SELECT name, role, unit, password, created FROM accounts WHERE name = ?1",
                [name],
                account_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn account_count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }
}

impl Change<'_> {
    /// Adds an account, or replaces the one of the same name.
    pub fn put_account(&self, a: &Account) -> Result<()> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO accounts (name, role, unit, password, created)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.name, a.role.label(), a.unit, a.password, a.created],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Removes an account; whether there was one.
    pub fn remove_account(&self, name: &str) -> Result<bool> {
        self.conn()
            .execute("DELETE FROM accounts WHERE name = ?1", [name])
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }
}
