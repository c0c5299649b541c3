//! Reading a library file whole, as fast as the machine allows.

use std::path::Path;

#[cfg(not(unix))]
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// Reads a file whole. A large one is read in two halves at once: copying 50 MB out of the page
/// cache takes one core about 60 ms.
#[cfg(unix)]
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    const HALVES_FROM: u64 = 4 << 20;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let Ok(size) = usize::try_from(len) else {
        return std::fs::read(path);
    };
    if len < HALVES_FROM || !file.metadata()?.is_file() {
        return std::fs::read(path);
    }
    let mut bytes = vec![0; size];
    #[cfg(target_os = "linux")]
    advise_huge_pages(&mut bytes);
    let (first, second) = bytes.split_at_mut(size / 2);
    let mid = first.len() as u64;
    std::thread::scope(|s| {
        let later = s.spawn(|| file.read_exact_at(second, mid));
        file.read_exact_at(first, 0)?;
        later
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("a read thread failed")))
    })?;
    // A file that grew while it was read is read again the ordinary way.
    let mut probe = [0u8; 1];
    if file.read_at(&mut probe, len)? != 0 {
        return std::fs::read(path);
    }
    Ok(bytes)
}

/// Asks Linux to back a large buffer with 2 MB pages before it is filled: in 4 KB pages a
/// 50 MB library took 12,000 page faults to read, about 25 ms of a re-render.
#[cfg(target_os = "linux")]
fn advise_huge_pages(buffer: &mut [u8]) {
    const PAGE: usize = 4096;
    let start = buffer.as_mut_ptr() as usize;
    let first_page = start.next_multiple_of(PAGE);
    let end = (start + buffer.len()) / PAGE * PAGE;
    if end > first_page {
        // SAFETY: the range lies inside `buffer`, borrowed mutably here, so no one else is
        // using it. The advice changes how the kernel backs these pages, never what they hold,
        // and a kernel that declines it leaves them as they were.
        unsafe {
            libc::madvise(
                first_page as *mut libc::c_void,
                end - first_page,
                libc::MADV_HUGEPAGE,
            )
        };
    }
}
