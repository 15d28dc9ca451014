//! The evaluation thread pool: one per process, shared by every server key expanded on it.
//!
//! A rayon pool per key would run keys × cores threads on a server that caches several keys and
//! oversubscribe the CPU. Each [`ServerKey`](crate::keys::ServerKey) keeps an `Arc` clone, so the
//! threads live until the last key using them is dropped, whatever order handles are released in.

use crate::error::{ensure, FheError, FheResult};
use rayon::ThreadPool;
use std::sync::Arc;

/// Largest thread count accepted (a typo guard, far above any machine we run on).
pub const MAX_THREADS: usize = 1024;

pub struct EvaluationPool {
    pool: Arc<ThreadPool>,
}

impl EvaluationPool {
    /// Starts `threads` worker threads; 0 means one per available core.
    pub fn new(threads: usize) -> FheResult<EvaluationPool> {
        ensure(threads <= MAX_THREADS, || format!("thread count {threads} is out of range 0..={MAX_THREADS}"))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("fheml-eval-{i}"))
            .build()
            .map_err(|e| FheError::Internal(format!("cannot start evaluation thread pool: {e}")))?;
        Ok(EvaluationPool { pool: Arc::new(pool) })
    }

    /// A handle on the same threads, for a server key to keep.
    pub fn share(&self) -> Arc<ThreadPool> {
        Arc::clone(&self.pool)
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }
}
