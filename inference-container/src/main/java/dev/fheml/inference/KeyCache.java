package dev.fheml.inference;

import dev.fheml.core.EvaluationKey;
import dev.fheml.core.EvaluationPool;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.ServerContext;
import dev.fheml.core.SizeLimits;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.Ids;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expanded evaluation keys by id: fetched, hash-verified, expanded once, kept in an LRU bounded by
 * the bytes of expanded keys. Concurrent requests for a key that is not resident wait for one
 * download and one expansion. A key in use is never closed: it is evicted when its last
 * {@link Lease} is released, so resident bytes exceed the bound only by keys in use at that moment
 * (at most the server's concurrency). Failed loads are not cached: a later request tries again.
 */
public final class KeyCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyCache.class);

    /** Counters since start; {@code residentBytes} counts every expanded key alive, in use or idle. */
    public record Stats(long downloads, long expansions, long hits, long evictions, long residentBytes,
            long peakResidentBytes, int entries, long limitBytes) {}

    private final KeySource source;
    private final FheParameters parameters;
    private final long limitBytes;
    private final EvaluationPool pool;

    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CompletableFuture<Entry>> loading = new HashMap<>();
    private long downloads;
    private long expansions;
    private long hits;
    private long evictions;
    private long resident;
    private long peak;
    private boolean closed;

    private static final class Entry {
        final String id;
        final ServerContext context;
        final long bytes;
        int refs;
        boolean dropped;

        Entry(String id, ServerContext context, long bytes) {
            this.id = id;
            this.context = context;
            this.bytes = bytes;
        }
    }

    /** A key in use; release it with {@link #close()} (once). */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean released;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public ServerContext context() {
            return entry.context;
        }

        @Override
        public void close() {
            synchronized (KeyCache.this) {
                if (released) {
                    return;
                }
                released = true;
                entry.refs--;
                if (entry.dropped) {
                    closeIfIdle(entry);
                } else {
                    evictOverLimit();
                }
            }
        }
    }

    /**
     * @param limitBytes bound on resident expanded keys (0 keeps none once released)
     * @param pool       the server's evaluation pool: every key is expanded on it and evaluates on
     *     it; the caller closes it after this cache
     */
    public KeyCache(KeySource source, FheParameters parameters, long limitBytes, EvaluationPool pool) {
        this.source = source;
        this.parameters = parameters;
        this.limitBytes = limitBytes;
        this.pool = pool;
    }

    /**
     * The expanded key {@code keyId} of {@code modelId}, loading it if needed.
     *
     * @throws InferenceException {@code unknown_key}, {@code key_hash_mismatch}, {@code invalid_key} or
     *     {@code key_store_unavailable}
     */
    public Lease acquire(String modelId, String keyId) {
        String id = modelId + "/" + keyId;
        while (true) {
            CompletableFuture<Entry> pending;
            boolean mine = false;
            synchronized (this) {
                if (closed) {
                    throw new InferenceException(ErrorCode.NOT_READY, "the server is shutting down");
                }
                Entry e = entries.get(id);
                if (e != null) {
                    hits++;
                    e.refs++;
                    return new Lease(e);
                }
                pending = loading.get(id);
                if (pending == null) {
                    pending = new CompletableFuture<>();
                    loading.put(id, pending);
                    mine = true;
                }
            }
            if (mine) {
                return loadAndPublish(id, modelId, keyId, pending);
            }
            Entry e;
            try {
                e = pending.join();
            } catch (CompletionException ex) {
                if (ex.getCause() instanceof InferenceException ie) {
                    throw new InferenceException(ie.code(), ie.getMessage(), ie);
                }
                throw ex;
            }
            synchronized (this) {
                if (!e.dropped) {
                    hits++;
                    e.refs++;
                    return new Lease(e);
                }
            }
            // Evicted between its load and our wake-up (only under heavy key churn): look again.
        }
    }

    private Lease loadAndPublish(String id, String modelId, String keyId, CompletableFuture<Entry> pending) {
        Entry entry;
        try {
            entry = load(id, modelId, keyId);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                loading.remove(id);
            }
            pending.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            loading.remove(id);
            entry.refs = 1;
            if (closed) {
                entry.dropped = true;
            } else {
                entries.put(id, entry);
            }
            resident += entry.bytes;
            peak = Math.max(peak, resident);
            evictOverLimit();
        }
        pending.complete(entry);
        return new Lease(entry);
    }

    private Entry load(String id, String modelId, String keyId) {
        byte[] bytes = source.fetch(modelId, keyId, SizeLimits.EVALUATION_KEY);
        synchronized (this) {
            downloads++;
        }
        String actual = Ids.sha256(bytes);
        if (!actual.equals(keyId)) {
            throw new InferenceException(ErrorCode.KEY_HASH_MISMATCH, "the stored key " + keyId
                    + " has SHA-256 " + actual + ": it was modified or uploaded under the wrong id");
        }
        long start = System.nanoTime();
        ServerContext context;
        try (EvaluationKey key = EvaluationKey.fromBytes(parameters, bytes, SizeLimits.EVALUATION_KEY)) {
            context = ServerContext.expand(key, pool);
        } catch (FheException e) {
            throw new InferenceException(ErrorCode.INVALID_KEY, "key " + keyId + " is not an evaluation key for "
                    + parameters.name() + ": " + e.getMessage(), e);
        }
        long bytesHeld = context.memoryBytes();
        synchronized (this) {
            expansions++;
        }
        LOG.info("{\"event\":\"key_expanded\",\"key_id\":\"{}\",\"expanded_bytes\":{},\"ms\":{}}",
                dev.fheml.protocol.Ids.shortId(keyId), bytesHeld, (System.nanoTime() - start) / 1_000_000);
        return new Entry(id, context, bytesHeld);
    }

    /** Drops least recently used idle keys while over the limit (caller holds the lock). */
    private void evictOverLimit() {
        if (resident <= limitBytes) {
            return;
        }
        List<Entry> victims = new ArrayList<>();
        long over = resident - limitBytes;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && over > 0; ) {
            Entry e = it.next();
            if (e.refs == 0) {
                it.remove();
                e.dropped = true;
                victims.add(e);
                over -= e.bytes;
            }
        }
        for (Entry e : victims) {
            evictions++;
            closeIfIdle(e);
        }
    }

    private void closeIfIdle(Entry e) {
        if (e.refs == 0 && e.dropped) {
            resident -= e.bytes;
            e.context.close();
            e.refs = -1; // closed: never counted twice
        }
    }

    public synchronized Stats stats() {
        return new Stats(downloads, expansions, hits, evictions, resident, peak, entries.size(), limitBytes);
    }

    /** Closes idle keys now and keys in use when released. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (Entry e : entries.values()) {
                e.dropped = true;
                closeIfIdle(e);
            }
            entries.clear();
        }
        try {
            source.close();
        } catch (Exception e) {
            LOG.warn("closing the key source failed: {}", e.toString());
        }
    }
}
