//! Helpers shared by the simulated recorder's tests: sense triples, MODE SELECT of page 05h,
//! patterned blocks, a Track-at-Once write at the next writable address.
#![allow(dead_code)]

use imapi_mmc::{
    ModeData, ModePage, ModeSelect10, ReadTrackInformation, SynchronizeCache, WriteParameters,
};
use imapi_redbook::Lba;
use imapi_transport::ops::{self, QueryError};
use imapi_transport::sim::SimRecorder;
use imapi_transport::{CommandError, Data};

/// The key, ASC and ASCQ of a refused command.
pub fn triple(e: &CommandError) -> (u8, u8, u8) {
    e.sense().unwrap_or_else(|| panic!("no sense: {e:?}")).triple()
}

/// The key, ASC and ASCQ of a refused query.
pub fn qtriple(e: &QueryError) -> (u8, u8, u8) {
    e.sense().unwrap_or_else(|| panic!("no sense: {e:?}")).triple()
}

/// MODE SELECT of the write parameters page.
pub fn select(t: &mut SimRecorder, page: WriteParameters) -> Result<(), CommandError> {
    let list = ModeData::with_page(ModePage::WriteParameters(page)).to_select_vec().unwrap();
    ops::run(t, &ModeSelect10::new(list.len() as u16), Data::ToDevice(&list)).map(|_| ())
}

/// Blocks of 2048 bytes whose content names their block.
pub fn data_blocks(first: u32, n: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(n as usize * 2048);
    for b in first..first + n {
        for i in 0..2048u32 {
            v.push((b.wrapping_mul(31) ^ i.wrapping_mul(7)) as u8);
        }
    }
    v
}

/// Writes `data` as a Track-at-Once track at the next writable address, 27 blocks a WRITE,
/// then SYNCHRONIZE CACHE; returns where the track starts.
pub fn write_tao(t: &mut SimRecorder, data: &[u8]) -> Lba {
    let nwa = ops::track_information(t, &ReadTrackInformation::invisible()).unwrap();
    assert!(nwa.nwa_valid && nwa.blank);
    for (k, chunk) in data.chunks(27 * 2048).enumerate() {
        let lba = Lba(nwa.nwa.0 + k as i32 * 27);
        ops::write10(t, lba, chunk, 2048).unwrap();
    }
    ops::command(t, &SynchronizeCache::default()).unwrap();
    nwa.nwa
}
