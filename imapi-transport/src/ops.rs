//! Typed commands over any [`Transport`]: encode the request, run it with its class's
//! timeout, parse the reply.

use imapi_mmc::{
    AddressForm, Capacity, Configuration, DiscInformation, FullToc, GetConfiguration, Inquiry,
    InquiryData, ModeData, ModeSense10, Read10, ReadCapacity, ReadDiscInformation, ReadToc,
    ReadTrackInformation, Reply, ReplyError, Request, SessionToc, TocFormat, TrackInformation,
    TrackToc, UnitSerialNumber, Write10,
};
use imapi_redbook::Lba;

use crate::transport::{timeout_for, CommandError, Data, Transport, TransportError};

/// A typed command failed: no answer, a refusal, or a reply that does not parse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The command failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The reply does not parse.
    #[error("bad reply")]
    Reply(#[from] ReplyError),
}

impl From<TransportError> for QueryError {
    fn from(e: TransportError) -> Self {
        QueryError::Command(CommandError::Transport(e))
    }
}

impl QueryError {
    /// The sense, for a CHECK CONDITION.
    pub fn sense(&self) -> Option<&imapi_mmc::Sense> {
        match self {
            QueryError::Command(c) => c.sense(),
            QueryError::Reply(_) => None,
        }
    }
}

/// Runs a request with a data phase; returns the bytes transferred.
pub fn run<T: Transport + ?Sized, R: Request>(
    t: &mut T,
    req: &R,
    data: Data<'_>,
) -> Result<usize, CommandError> {
    let cdb = req.encode();
    let len = data.len();
    let residual = t.execute(cdb.as_bytes(), data, timeout_for(cdb.as_bytes()))?.check()?;
    Ok(len.saturating_sub(residual))
}

/// Runs a request that has no data phase.
pub fn command<T: Transport + ?Sized, R: Request>(t: &mut T, req: &R) -> Result<(), CommandError> {
    run(t, req, Data::None).map(|_| ())
}

/// Runs a data-in request and returns the bytes received.
pub fn read_reply<T: Transport + ?Sized, R: Request>(
    t: &mut T,
    req: &R,
) -> Result<Vec<u8>, CommandError> {
    let mut buf = vec![0u8; req.transfer_len()];
    let n = run(t, req, Data::FromDevice(&mut buf))?;
    buf.truncate(n);
    Ok(buf)
}

/// Runs a data-in request and parses its reply.
pub fn query<T: Transport + ?Sized, R: Request, P: Reply>(
    t: &mut T,
    req: &R,
) -> Result<P, QueryError> {
    Ok(P::parse(&read_reply(t, req)?)?)
}

/// INQUIRY.
pub fn inquiry<T: Transport + ?Sized>(t: &mut T) -> Result<InquiryData, QueryError> {
    query(t, &Inquiry::default())
}

/// The unit serial number (INQUIRY VPD page 80h), without padding. `None` when the drive
/// refuses the page (ILLEGAL REQUEST), as drives without one do.
pub fn unit_serial<T: Transport + ?Sized>(t: &mut T) -> Result<Option<String>, QueryError> {
    match query::<T, _, UnitSerialNumber>(t, &Inquiry::vpd(imapi_mmc::vpd::UNIT_SERIAL_NUMBER)) {
        Ok(page) => Ok(Some(page.serial_str())),
        Err(e) if e.sense().is_some_and(|s| s.key == imapi_mmc::SenseKey::IllegalRequest) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// GET CONFIGURATION, all features.
pub fn configuration<T: Transport + ?Sized>(t: &mut T) -> Result<Configuration, QueryError> {
    query(t, &GetConfiguration::default())
}

/// READ DISC INFORMATION.
pub fn disc_information<T: Transport + ?Sized>(t: &mut T) -> Result<DiscInformation, QueryError> {
    query(t, &ReadDiscInformation::default())
}

/// READ TRACK INFORMATION.
pub fn track_information<T: Transport + ?Sized>(
    t: &mut T,
    req: &ReadTrackInformation,
) -> Result<TrackInformation, QueryError> {
    query(t, req)
}

/// READ TOC format 0 with LBA addresses.
pub fn track_toc<T: Transport + ?Sized>(t: &mut T) -> Result<TrackToc, QueryError> {
    query(t, &ReadToc::new(TocFormat::Tracks, 804))
}

/// READ TOC format 0 with MSF addresses.
pub fn track_toc_msf<T: Transport + ?Sized>(t: &mut T) -> Result<TrackToc, QueryError> {
    let req = ReadToc { form: AddressForm::Msf, ..ReadToc::new(TocFormat::Tracks, 804) };
    Ok(TrackToc::parse_with(&read_reply(t, &req)?, AddressForm::Msf)?)
}

/// READ TOC format 1.
pub fn session_toc<T: Transport + ?Sized>(t: &mut T) -> Result<SessionToc, QueryError> {
    query(t, &ReadToc::new(TocFormat::SessionInfo, 12))
}

/// READ TOC format 2.
pub fn full_toc<T: Transport + ?Sized>(t: &mut T) -> Result<FullToc, QueryError> {
    query(t, &ReadToc::new(TocFormat::FullToc, 4 + 11 * 300))
}

/// READ CAPACITY.
pub fn capacity<T: Transport + ?Sized>(t: &mut T) -> Result<Capacity, QueryError> {
    query(t, &ReadCapacity)
}

/// MODE SENSE(10) of one page, current values, no block descriptors.
pub fn mode_sense<T: Transport + ?Sized>(t: &mut T, page: u8) -> Result<ModeData, QueryError> {
    query(t, &ModeSense10::page(page, 0x1000))
}

/// READ(10) of `buf.len() / 2048` blocks from `lba`.
pub fn read10<T: Transport + ?Sized>(
    t: &mut T,
    lba: u32,
    buf: &mut [u8],
) -> Result<usize, CommandError> {
    let blocks = u16::try_from(buf.len() / 2048)
        .map_err(|_| TransportError::Invalid("more than 65535 blocks"))?;
    run(t, &Read10::new(lba, blocks), Data::FromDevice(buf))
}

/// WRITE(10) of `data.len() / block_len` blocks at `lba`.
pub fn write10<T: Transport + ?Sized>(
    t: &mut T,
    lba: Lba,
    data: &[u8],
    block_len: usize,
) -> Result<usize, CommandError> {
    let blocks = u16::try_from(data.len() / block_len.max(1))
        .map_err(|_| TransportError::Invalid("more than 65535 blocks"))?;
    run(t, &Write10::new(lba, blocks), Data::ToDevice(data))
}
