//! `cargo xtask widget`: the stock Rocket.Chat widget, npm `@rocket.chat/livechat` at the
//! version `compat/widget/package-lock.json` pins, copied unmodified from the package's
//! `build/` folder into `./livechat-widget`, which the server serves at `/livechat`.

use std::path::{Path, PathBuf};

use crate::compat::install_npm;
use crate::util::{have, root, target_dir};

/// The widget version the lock file pins; checked against the installed package.
const VERSION: &str = "1.13.3";

/// Installs the widget and copies its built files to `./livechat-widget`; returns that folder.
pub fn install() -> Result<PathBuf, String> {
    if !have("node") || !have("npm") {
        return Err("the widget comes from npm: node and npm are not installed".into());
    }
    let source = root().join("compat").join("widget");
    let cache = target_dir().join("compat").join("widget");
    install_npm(&source, &cache)?;
    let package = cache.join("node_modules").join("@rocket.chat").join("livechat");
    let manifest = std::fs::read_to_string(package.join("package.json"))
        .map_err(|err| format!("{}: {err}", package.display()))?;
    if !manifest.contains(&format!("\"version\": \"{VERSION}\"")) {
        return Err(format!("{} is not version {VERSION}", package.display()));
    }
    let build = package.join("build");
    if !build.join("index.html").is_file() {
        return Err(format!("{} has no index.html", build.display()));
    }
    let destination = root().join("livechat-widget");
    // Copy next to the destination, then swap, so a running server never sees half a copy
    // for longer than the swap.
    let staging = root().join(".livechat-widget.tmp");
    remove_dir(&staging)?;
    copy_dir(&build, &staging)?;
    remove_dir(&destination)?;
    std::fs::rename(&staging, &destination)
        .map_err(|err| format!("{} -> {}: {err}", staging.display(), destination.display()))?;
    let count = std::fs::read_dir(&destination).map_or(0, Iterator::count);
    eprintln!("xtask: @rocket.chat/livechat {VERSION}: {count} files in {}", destination.display());
    Ok(destination)
}

/// `cargo xtask widget`.
pub fn run() -> Result<(), String> {
    let dir = install()?;
    eprintln!(
        "xtask: start the server in {} (or pass --widget-dir {}) and open \
         http://127.0.0.1:3000/livechat",
        root().display(),
        dir.display()
    );
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(format!("{}: {err}", dir.display())),
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|err| format!("{}: {err}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|err| format!("{}: {err}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|err| err.to_string())?;
        let kind = entry.file_type().map_err(|err| err.to_string())?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|err| format!("{}: {err}", entry.path().display()))?;
        }
    }
    Ok(())
}
