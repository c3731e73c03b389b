//! Organisations, users, sessions and sign-in failures on PostgreSQL: in
//! the database, so whichever replica a request reaches sees the same.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use gongce_shared::accounts::{NewOrg, Org, OrgKind, OrgPatch, Role, User};
use sqlx::{Row as _, postgres::PgRow};

use super::Postgres;
use crate::store::{Credentials, Error, SessionRow, is_unique_violation};

fn org_from(row: &PgRow) -> anyhow::Result<Org> {
    let kind: String = row.try_get("kind")?;
    Ok(Org {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: kind
            .parse::<OrgKind>()
            .map_err(|e| anyhow::anyhow!("{}", e.reason))?,
        street: row.try_get("street")?,
        district: row.try_get("district")?,
        disabled: row
            .try_get::<Option<DateTime<Utc>>, _>("disabled_at")?
            .is_some(),
    })
}

fn user_from(row: &PgRow) -> anyhow::Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: role
            .parse::<Role>()
            .map_err(|e| anyhow::anyhow!("{}", e.reason))?,
        org_id: row.try_get("org_id")?,
        disabled: row
            .try_get::<Option<DateTime<Utc>>, _>("disabled_at")?
            .is_some(),
    })
}

macro_rules! user_columns {
    () => {
        "u.id, u.username, u.role, u.org_id, u.disabled_at"
    };
}

macro_rules! org_columns {
    () => {
        "id, name, kind, street, district, disabled_at"
    };
}

fn taken_name(name: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |e| {
        if is_unique_violation(&e) {
            Error::Conflict(format!("an organisation named {name:?} exists already"))
        } else {
            e.into()
        }
    }
}

impl Postgres {
    pub async fn create_org(&self, org: &NewOrg) -> Result<Org, Error> {
        let at = self.now();
        let name = org.name.trim();
        if name.is_empty() {
            return Err(Error::Conflict("an organisation needs a name".to_owned()));
        }
        let row = sqlx::query(concat!(
            "INSERT INTO orgs (name, kind, street, district, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING ",
            org_columns!()
        ))
        .bind(name)
        .bind(org.kind.as_str())
        .bind(&org.street)
        .bind(&org.district)
        .bind(at)
        .fetch_one(self.pool())
        .await
        .map_err(taken_name(name))?;
        Ok(org_from(&row)?)
    }

    pub async fn orgs(&self) -> anyhow::Result<Vec<Org>> {
        sqlx::query(concat!("SELECT ", org_columns!(), " FROM orgs ORDER BY id"))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(org_from)
            .collect()
    }

    pub async fn org(&self, id: i64) -> anyhow::Result<Option<Org>> {
        sqlx::query(concat!(
            "SELECT ",
            org_columns!(),
            " FROM orgs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(org_from)
        .transpose()
    }

    pub async fn org_by_name(&self, name: &str) -> anyhow::Result<Option<Org>> {
        sqlx::query(concat!(
            "SELECT ",
            org_columns!(),
            " FROM orgs WHERE name = $1"
        ))
        .bind(name.trim())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(org_from)
        .transpose()
    }

    /// Renames, re-kinds, moves or (dis|en)ables an organisation. Disabling
    /// it ends its members' sessions.
    pub async fn update_org(&self, id: i64, patch: &OrgPatch) -> Result<Org, Error> {
        let at = self.now();
        let mut tx = self.pool().begin().await?;
        let exists = sqlx::query("SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(Error::not_found("organisation", id));
        }
        if let Some(name) = &patch.name {
            let name = name.trim();
            if name.is_empty() {
                return Err(Error::Conflict("an organisation needs a name".to_owned()));
            }
            sqlx::query("UPDATE orgs SET name = $2 WHERE id = $1")
                .bind(id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(taken_name(name))?;
        }
        sqlx::query(
            "UPDATE orgs SET kind = COALESCE($2, kind),
                street = CASE WHEN $3 THEN $4 ELSE street END,
                district = CASE WHEN $5 THEN $6 ELSE district END
             WHERE id = $1",
        )
        .bind(id)
        .bind(patch.kind.map(OrgKind::as_str))
        .bind(patch.street.is_some())
        .bind(patch.street.clone().flatten())
        .bind(patch.district.is_some())
        .bind(patch.district.clone().flatten())
        .execute(&mut *tx)
        .await?;
        if let Some(disabled) = patch.disabled {
            sqlx::query("UPDATE orgs SET disabled_at = $2 WHERE id = $1")
                .bind(id)
                .bind(disabled.then_some(at))
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query(
                    "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(self.org(id).await?.context("the organisation vanished")?)
    }

    /// A new user; [`crate::store::Store::create_user`] has checked the role and organisation.
    pub(crate) async fn insert_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        org_id: Option<i64>,
    ) -> Result<User, Error> {
        let at = self.now();
        let row = sqlx::query(
            "INSERT INTO users (username, password_hash, role, org_id, created_at)
             VALUES ($1, $2, $3, $4, $5)
             RETURNING id, username, role, org_id, disabled_at",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(org_id)
        .bind(at)
        .fetch_one(self.pool())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::Conflict(format!("the username {username:?} is taken"))
            } else {
                e.into()
            }
        })?;
        Ok(user_from(&row)?)
    }

    pub async fn users(&self) -> anyhow::Result<Vec<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u ORDER BY u.id"
        ))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(user_from)
        .collect()
    }

    pub async fn user(&self, id: i64) -> anyhow::Result<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    pub async fn user_by_name(&self, username: &str) -> anyhow::Result<Option<User>> {
        sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE lower(u.username) = lower($1)"
        ))
        .bind(username)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    /// Changes user `current` (checked by [`crate::store::Store::update_user`]);
    /// disabling one, or changing their password, role or organisation,
    /// ends their sessions.
    pub(crate) async fn write_user(
        &self,
        current: &User,
        password_hash: Option<&str>,
        role: Option<Role>,
        org_id: Option<i64>,
        disabled: Option<bool>,
    ) -> Result<User, Error> {
        let at = self.now();
        let id = current.id;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE users SET password_hash = COALESCE($2, password_hash),
                role = COALESCE($3, role), org_id = COALESCE($4, org_id),
                disabled_at = CASE WHEN $5 IS NULL THEN disabled_at
                                   WHEN $5 THEN $6 ELSE NULL END
             WHERE id = $1",
        )
        .bind(id)
        .bind(password_hash)
        .bind(role.map(Role::as_str))
        .bind(org_id)
        .bind(disabled)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let ends_sessions = password_hash.is_some()
            || role.is_some_and(|r| r != current.role)
            || org_id.is_some_and(|o| Some(o) != current.org_id)
            || disabled == Some(true);
        if ends_sessions {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(self.user(id).await?.context("the user vanished")?)
    }

    pub async fn credentials(&self, username: &str) -> anyhow::Result<Option<Credentials>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", u.password_hash, o.disabled_at AS org_disabled_at
             FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE lower(u.username) = lower($1)"
        ))
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Credentials {
                user: user_from(&row)?,
                password_hash: row.try_get("password_hash")?,
                org_disabled: row
                    .try_get::<Option<DateTime<Utc>>, _>("org_disabled_at")?
                    .is_some(),
            })
        })
        .transpose()
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        lifetime: Duration,
    ) -> anyhow::Result<DateTime<Utc>> {
        let at = self.now();
        let now = at;
        let expires = now + lifetime;
        // Expired sessions go whenever a new one comes.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now)
        .bind(expires)
        .execute(self.pool())
        .await?;
        Ok(expires)
    }

    /// The session's user, if the session is live and the user (and their
    /// organisation) enabled.
    pub async fn session(&self, token_hash: &str) -> anyhow::Result<Option<SessionRow>> {
        let at = self.now();
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", s.csrf_token, s.expires_at FROM sessions s
             JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id
             WHERE s.token_hash = $1 AND s.expires_at > $2
               AND u.disabled_at IS NULL AND o.disabled_at IS NULL"
        ))
        .bind(token_hash)
        .bind(at)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(SessionRow {
                user: user_from(&row)?,
                csrf_token: row.try_get("csrf_token")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
