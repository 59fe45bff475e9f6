//! The SMTP server the e-mail tests send to: aiosmtpd (PyPI), pinned, in a virtualenv under
//! the target folder. The tests start it themselves (`tests/support/smtp.rs`); xtask only
//! installs it and tells them which Python runs it, through `LIVECHAT_TEST_SMTPD_PYTHON`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::skip;
use crate::util::{python_venv, target_dir};

/// The aiosmtpd release the e-mail tests run.
const VERSION: &str = "1.4.6";

/// The variable the tests read the Python with aiosmtpd from.
pub const PYTHON_ENV: &str = "LIVECHAT_TEST_SMTPD_PYTHON";

/// The Python of a virtualenv with aiosmtpd `VERSION`, made on first use and reused (by this
/// run through a cache, by later runs through the virtualenv's marker).
pub fn python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = target_dir().join("smtpd").join("venv");
            python_venv(&venv, &[&format!("aiosmtpd=={VERSION}")])
        })
        .clone()
}

/// Lets the tests `command` runs send e-mail to aiosmtpd: sets `LIVECHAT_TEST_SMTPD_PYTHON`.
/// When aiosmtpd cannot be installed this fails under `CI=true`; elsewhere it says so loudly
/// and leaves the variable as it was (unset, normally), and the e-mail tests skip, each with a
/// message of its own.
pub fn provide(command: &mut Command) -> Result<&mut Command, String> {
    match python() {
        Ok(python) => Ok(command.env(PYTHON_ENV, python)),
        Err(why) => {
            skip("the e-mail tests (they need aiosmtpd)", &why)?;
            Ok(command)
        }
    }
}
