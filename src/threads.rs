//! The one way work is spread over threads: scoped threads whose results
//! come back in order, and a panic in any of them becomes an error (never a
//! silently empty result).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::ScopedJoinHandle;

use crate::error::Error;

/// The error a panicking worker becomes.
fn panicked() -> Error {
    Error::Solver("a worker thread panicked".into())
}

/// Waits for a scoped thread; a panic becomes [`Error::Solver`].
pub(crate) fn join<T>(handle: ScopedJoinHandle<'_, T>) -> Result<T, Error> {
    handle.join().map_err(|_| panicked())
}

/// Applies `f` to contiguous chunks of `items` on up to `threads` scoped
/// threads and returns the results in chunk order (no chunk for no items;
/// one chunk, on this thread, when `threads` is 1). A panic in any chunk
/// becomes [`Error::Solver`], after every thread has been joined.
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Result<Vec<R>, Error> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    if threads <= 1 {
        return catch_unwind(AssertUnwindSafe(|| vec![f(items)])).map_err(|_| panicked());
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || f(part)))
            .collect();
        // Join every thread before looking at any result.
        let joined: Vec<Result<R, Error>> = handles.into_iter().map(join).collect();
        joined.into_iter().collect()
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
        for (threads, bad) in [
            (1, vec![7]),
            (2, vec![7]),
            (2, vec![1, 7]),
            (4, vec![0, 3, 9]),
        ] {
            let r = map_chunks(&items, threads, |c| {
                assert!(!c.iter().any(|x| bad.contains(x)), "a bad chunk");
                c.len()
            });
            assert!(
                matches!(r, Err(Error::Solver(_))),
                "{threads} threads: {r:?}"
            );
        }
        assert_eq!(map_chunks(&items[..0], 3, <[u32]>::len).ok(), Some(vec![]));
    }
}
