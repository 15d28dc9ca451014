package dev.fheml.training.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * Runs a loop body over {@code [0, n)} split into one contiguous chunk per thread. Each index belongs to
 * exactly one chunk, so bodies that write only their own indices are deterministic whatever the thread
 * count. One thread runs inline.
 */
final class ParallelRange implements AutoCloseable {
  /** A loop body over the half-open range {@code [from, to)}. */
  @FunctionalInterface
  interface Body {
    void run(int from, int to);
  }

  private final int threads;
  private final ForkJoinPool pool;

  ParallelRange(int threads) {
    this.threads = threads;
    this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
  }

  void forEach(int n, Body body) {
    if (pool == null || n < 2 * threads) {
      body.run(0, n);
      return;
    }
    List<Callable<Void>> tasks = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      int from = (int) ((long) n * t / threads);
      int to = (int) ((long) n * (t + 1) / threads);
      tasks.add(() -> {
        body.run(from, to);
        return null;
      });
    }
    try {
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("training interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdown();
    }
  }
}
