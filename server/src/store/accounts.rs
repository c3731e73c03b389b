//! Organisations, users and sessions, written once for both stores: in the
//! database, so whichever replica a request reaches sees the same.

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use gongce_shared::accounts::{NewOrg, Org, OrgKind, OrgPatch, Role, User};

use super::{
    Credentials, Error, Result, SessionRow, Store, is_unique_violation, stamp::Stamp,
    throttle::on_pool,
};

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    name: String,
    kind: String,
    street: Option<String>,
    district: Option<String>,
    disabled_at: Option<Stamp>,
}

impl OrgRow {
    fn org(self) -> Result<Org> {
        Ok(Org {
            id: self.id,
            name: self.name,
            kind: self
                .kind
                .parse::<OrgKind>()
                .map_err(|e| anyhow::anyhow!("{}", e.reason))?,
            street: self.street,
            district: self.district,
            disabled: self.disabled_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    role: String,
    org_id: Option<i64>,
    disabled_at: Option<Stamp>,
}

impl UserRow {
    fn user(self) -> Result<User> {
        Ok(User {
            id: self.id,
            username: self.username,
            role: self
                .role
                .parse::<Role>()
                .map_err(|e| anyhow::anyhow!("{}", e.reason))?,
            org_id: self.org_id,
            disabled: self.disabled_at.is_some(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
    org_disabled_at: Option<Stamp>,
}

#[derive(sqlx::FromRow)]
struct LiveSession {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
    expires_at: Stamp,
}

const ORG_COLUMNS: &str = "id, name, kind, street, district, disabled_at";

macro_rules! user_columns {
    () => {
        "u.id, u.username, u.role, u.org_id, u.disabled_at"
    };
}

/// The users `$rest` (a WHERE and/or ORDER BY on `users u`) picks.
macro_rules! select_users {
    ($rest:literal) => {
        concat!("SELECT ", user_columns!(), " FROM users u ", $rest)
    };
}

fn taken_name(name: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |e| {
        if is_unique_violation(&e) {
            Error::Taken {
                field: "name",
                value: name.to_owned(),
            }
        } else {
            e.into()
        }
    }
}

fn no_name() -> Error {
    Error::Conflict("an organisation needs a name".to_owned())
}

impl Store {
    pub async fn create_org(&self, org: &NewOrg) -> Result<Org> {
        let name = org.name.trim();
        if name.is_empty() {
            return Err(no_name());
        }
        let at = Stamp(self.now());
        let row: OrgRow = on_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO orgs (name, kind, street, district, created_at)
                 VALUES ($1, $2, $3, $4, $5)
                 RETURNING id, name, kind, street, district, disabled_at",
            )
            .bind(name)
            .bind(org.kind.as_str())
            .bind(org.street.as_deref())
            .bind(org.district.as_deref())
            .bind(at)
            .fetch_one(pool)
            .await
            .map_err(taken_name(name))?
        });
        row.org()
    }

    pub async fn orgs(&self) -> Result<Vec<Org>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY id");
        let rows: Vec<OrgRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(OrgRow::org).collect()
    }

    pub async fn org(&self, id: i64) -> Result<Option<Org>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1");
        let row: Option<OrgRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(OrgRow::org).transpose()
    }

    pub async fn org_by_name(&self, name: &str) -> Result<Option<Org>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM orgs WHERE name = $1");
        let row: Option<OrgRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(name.trim())
                .fetch_optional(pool)
                .await?
        });
        row.map(OrgRow::org).transpose()
    }

    /// Renames, re-kinds, moves or (dis|en)ables an organisation, in one
    /// statement. Disabling it ends its members' sessions.
    pub async fn update_org(&self, id: i64, patch: &OrgPatch) -> Result<Org> {
        let name = patch.name.as_deref().map(str::trim);
        if name == Some("") {
            return Err(no_name());
        }
        let at = Stamp(self.now());
        let found = on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE orgs SET name = COALESCE($2, name), kind = COALESCE($3, kind),
                    street = CASE WHEN $4 THEN $5 ELSE street END,
                    district = CASE WHEN $6 THEN $7 ELSE district END,
                    disabled_at = CASE WHEN $8 IS NULL THEN disabled_at
                                       WHEN $8 THEN $9 ELSE NULL END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(name)
            .bind(patch.kind.map(OrgKind::as_str))
            .bind(patch.street.is_some())
            .bind(patch.street.as_ref().and_then(|s| s.as_deref()))
            .bind(patch.district.is_some())
            .bind(patch.district.as_ref().and_then(|s| s.as_deref()))
            .bind(patch.disabled)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(taken_name(name.unwrap_or_default()))?
            .rows_affected();
            if patch.disabled == Some(true) {
                sqlx::query(
                    "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            updated > 0
        });
        if !found {
            return Err(Error::not_found("organisation", id));
        }
        self.org(id)
            .await?
            .context("the organisation vanished")
            .map_err(Error::from)
    }

    /// A new user; [`Store::create_user`] has checked the role and organisation.
    pub(super) async fn insert_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        org_id: Option<i64>,
    ) -> Result<User> {
        let at = Stamp(self.now());
        let row: UserRow = on_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO users (username, password_hash, role, org_id, created_at)
                 VALUES ($1, $2, $3, $4, $5)
                 RETURNING id, username, role, org_id, disabled_at",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(org_id)
            .bind(at)
            .fetch_one(pool)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::Taken {
                        field: "username",
                        value: username.to_owned(),
                    }
                } else {
                    e.into()
                }
            })?
        });
        row.user()
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_users!("ORDER BY u.id"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(UserRow::user).collect()
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let row: Option<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_users!("WHERE u.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(UserRow::user).transpose()
    }

    /// A user by name, whatever its case.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_users!("WHERE lower(u.username) = lower($1)"))
                .bind(username)
                .fetch_optional(pool)
                .await?
        });
        row.map(UserRow::user).transpose()
    }

    /// Changes user `current` (checked by [`Store::update_user`]) in one
    /// statement; disabling one, or changing their password, role or
    /// organisation, ends their sessions.
    pub(super) async fn write_user(
        &self,
        current: &User,
        password_hash: Option<&str>,
        role: Option<Role>,
        org_id: Option<i64>,
        disabled: Option<bool>,
    ) -> Result<User> {
        let at = Stamp(self.now());
        let id = current.id;
        let ends_sessions = password_hash.is_some()
            || role.is_some_and(|r| r != current.role)
            || org_id.is_some_and(|o| Some(o) != current.org_id)
            || disabled == Some(true);
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
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
            if ends_sessions {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        self.user(id)
            .await?
            .context("the user vanished")
            .map_err(Error::from)
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let row: Option<CredentialsRow> = on_pool!(self, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                ", u.password_hash, o.disabled_at AS org_disabled_at
                 FROM users u LEFT JOIN orgs o ON o.id = u.org_id
                 WHERE lower(u.username) = lower($1)"
            ))
            .bind(username)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| {
            Ok(Credentials {
                user: r.user.user()?,
                password_hash: r.password_hash,
                org_disabled: r.org_disabled_at.is_some(),
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
    ) -> Result<DateTime<Utc>> {
        let now = self.now();
        let expires = now + lifetime;
        on_pool!(self, |pool| {
            // Expired sessions go whenever a new one comes.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(Stamp(now))
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(Stamp(now))
            .bind(Stamp(expires))
            .execute(pool)
            .await?;
        });
        Ok(expires)
    }

    /// The session's user, if the session is live and the user (and their
    /// organisation) enabled.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let at = Stamp(self.now());
        let row: Option<LiveSession> = on_pool!(self, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                user_columns!(),
                ", s.csrf_token, s.expires_at FROM sessions s
                 JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2
                   AND u.disabled_at IS NULL AND o.disabled_at IS NULL"
            ))
            .bind(token_hash)
            .bind(at)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| {
            Ok(SessionRow {
                user: r.user.user()?,
                csrf_token: r.csrf_token,
                expires_at: r.expires_at.0,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
