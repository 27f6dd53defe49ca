//! The one way work is spread over threads: scoped threads whose results
//! come back in order, and a panic in any of them becomes an error (never a
//! silently empty result).

use std::thread::ScopedJoinHandle;

use crate::error::Error;

/// Waits for a scoped thread; a panic becomes [`Error::Solver`].
pub(crate) fn join<T>(handle: ScopedJoinHandle<'_, T>) -> Result<T, Error> {
    handle
        .join()
        .map_err(|_| Error::Solver("a worker thread panicked".into()))
}

/// Applies `f` to contiguous chunks of `items` on up to `threads` scoped
/// threads and returns the results in chunk order (one chunk, no thread,
/// when `threads` is 1).
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Result<Vec<R>, Error> {
    let threads = threads.max(1);
    if threads == 1 {
        return Ok(vec![f(items)]);
    }
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || f(part)))
            .collect();
        handles.into_iter().map(join).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_in_order() {
        let items: Vec<u32> = (0..10).collect();
        for threads in [1, 2, 3, 16] {
            let sums = map_chunks(&items, threads, |c| c.to_vec()).expect("no panic");
            assert_eq!(sums.concat(), items, "{threads} threads");
        }
    }

    #[test]
    fn a_panicking_chunk_is_an_error_not_an_empty_result() {
        let items: Vec<u32> = (0..10).collect();
        let r = map_chunks(&items, 2, |c| {
            assert!(!c.contains(&7), "chunk with 7");
            c.len()
        });
        assert!(matches!(r, Err(Error::Solver(_))), "{r:?}");
    }
}
