//! What every page can read without props: the language, who is signed
//! in, the server's settings and where the resident is. `App` provides them.

use gongce_shared::accounts::SessionInfo;
use yew::prelude::*;

use crate::{api::AppConfig, hooks::Located, hooks::Persisted, i18n::Lang};

/// The language, remembered on this device.
pub(crate) type LangSetting = Persisted<Lang>;

/// Who is signed in, and how to change that.
#[derive(Clone, PartialEq)]
pub(crate) struct Session(pub(crate) UseStateHandle<Option<SessionInfo>>);

impl Session {
    pub(crate) fn info(&self) -> Option<&SessionInfo> {
        self.0.as_ref()
    }

    /// The token every write carries.
    pub(crate) fn csrf(&self) -> Option<String> {
        self.info().map(|s| s.csrf_token.clone())
    }

    #[cfg(feature = "staff")]
    pub(crate) fn org_id(&self) -> Option<i64> {
        self.info().and_then(|s| s.user.org_id)
    }

    #[cfg(feature = "staff")]
    pub(crate) fn is_admin(&self) -> bool {
        self.info()
            .is_some_and(|s| s.user.role == gongce_shared::accounts::Role::Admin)
    }

    pub(crate) fn set(&self, info: Option<SessionInfo>) {
        self.0.set(info);
    }
}

/// Everything above, in one context (one provider keeps the app small).
#[derive(Clone, PartialEq)]
pub(crate) struct Shared {
    pub(crate) lang: LangSetting,
    pub(crate) session: Session,
    pub(crate) config: Option<AppConfig>,
    pub(crate) located: Located,
    /// Asks the browser for the position again.
    pub(crate) relocate: Callback<()>,
}

#[hook]
fn use_shared() -> Shared {
    use_context::<Shared>().expect("inside <App>")
}

#[hook]
pub(crate) fn use_lang() -> Lang {
    *use_shared().lang
}

#[hook]
pub(crate) fn use_lang_setting() -> LangSetting {
    use_shared().lang
}

#[hook]
pub(crate) fn use_session() -> Session {
    use_shared().session
}

/// The server's settings; `None` until they arrive (or when offline).
#[hook]
pub(crate) fn use_config() -> Option<AppConfig> {
    use_shared().config
}

#[hook]
pub(crate) fn use_located() -> Located {
    use_shared().located
}

#[hook]
pub(crate) fn use_relocate() -> Callback<()> {
    use_shared().relocate
}
