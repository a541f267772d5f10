//! `imapi sim attach PATH`: the simulated recorder as a drive of the Linux kernel (the
//! virtual burner, imapi-transport's `tcmu`). The recorder is held exclusively while it is
//! attached, so a second attach of the same folder is refused. With `IMAPI_SIM_TRACE=1` each
//! command the kernel passes on is logged to stderr: its CDB, status and sense.

use std::path::Path;

#[cfg(target_os = "linux")]
pub fn attach(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use anyhow::Context;
    use imapi_transport::sim::SimRecorder;
    use imapi_transport::tcmu::attach;

    // Root and the modules first: without them the folder does not matter.
    attach::check().with_context(|| format!("attaching sim:{} to the kernel", path.display()))?;
    let sim = SimRecorder::open(path).map_err(|e| crate::error::sim_error(path, e))?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .context("installing the SIGINT/SIGTERM handler")?;
    let name = format!("imapi{}", std::process::id());
    let trace = std::env::var("IMAPI_SIM_TRACE").is_ok_and(|v| v == "1");
    let drive = if trace { attach::attach(Traced(sim), &name) } else { attach::attach(sim, &name) }
        .with_context(|| format!("attaching sim:{} to the kernel", path.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", drive.sr.display())?;
    writeln!(out, "{}", drive.sg.display())?;
    out.flush()?;
    drop(out);
    while !stop.load(Ordering::Relaxed) && drive.serving() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let died = !drive.serving();
    drive.detach().with_context(|| format!("detaching sim:{}", path.display()))?;
    if died && !stop.load(Ordering::Relaxed) {
        anyhow::bail!("sim:{}: the handler stopped serving", path.display());
    }
    Ok(())
}

/// A transport that logs each command to stderr.
#[cfg(target_os = "linux")]
struct Traced<T>(T);

#[cfg(target_os = "linux")]
impl<T: imapi_transport::Transport> imapi_transport::Transport for Traced<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: imapi_transport::Data<'_>,
        timeout: std::time::Duration,
    ) -> Result<imapi_transport::Completion, imapi_transport::TransportError> {
        let len = data.len();
        let name = imapi_mmc::Command::parse(cdb).map_or("?", |c| c.name());
        let r = self.0.execute(cdb, data, timeout);
        let hex: Vec<String> = cdb.iter().map(|b| format!("{b:02x}")).collect();
        match &r {
            Ok(c) => {
                let sense = c.sense.map(|s| {
                    format!("{:02x}/{:02x}/{:02x}", s.triple().0, s.triple().1, s.triple().2)
                });
                eprintln!(
                    "trace {name} [{}] len {len} status {:02x} residual {} {}",
                    hex.join(" "),
                    c.status,
                    c.residual,
                    sense.unwrap_or_default()
                );
            }
            Err(e) => eprintln!("trace {name} [{}] len {len} failed: {e}", hex.join(" ")),
        }
        r
    }
}

#[cfg(not(target_os = "linux"))]
pub fn attach(path: &Path) -> anyhow::Result<()> {
    anyhow::bail!("sim:{}: attaching a drive to the kernel needs Linux", path.display())
}
