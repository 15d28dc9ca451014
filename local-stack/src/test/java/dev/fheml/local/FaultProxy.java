package dev.fheml.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 that injects real network faults between a client and a server (here:
 * the S3 API), as Toxiproxy does (its proxy is a Go binary this build cannot fetch): {@link Fault#HANG}
 * (connections accepted, bytes swallowed, nothing answered), {@link Fault#RESET} (every connection,
 * open or new, reset), {@link Fault#LATENCY} (each chunk delivered {@code latencyMillis} late, in
 * both directions, without lowering throughput) and {@link Fault#BANDWIDTH} (each direction limited
 * to {@code bytesPerSecond}). Faults apply to open connections as well as new ones. Test code only.
 */
final class FaultProxy implements AutoCloseable {
    enum Fault { NONE, HANG, RESET, LATENCY, BANDWIDTH }

    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile URI upstream;
    private volatile Fault fault = Fault.NONE;
    private volatile long latencyMillis;
    private volatile long bytesPerSecond;

    private FaultProxy() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** Listens at once; connections wait for {@link #upstream(URI)} to be set. */
    static FaultProxy start() throws IOException {
        return new FaultProxy();
    }

    /** Where connections go ({@code http://host:port}); returns this proxy's address, for a route. */
    URI upstream(URI target) {
        upstream = target;
        return uri();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    Fault fault() {
        return fault;
    }

    void heal() {
        fault = Fault.NONE;
    }

    void hang() {
        fault = Fault.HANG;
    }

    /** Resets every open connection and each new one until healed. */
    void reset() {
        fault = Fault.RESET;
        for (Socket s : open) {
            resetQuietly(s);
        }
    }

    void latency(long millis) {
        latencyMillis = millis;
        fault = Fault.LATENCY;
    }

    void bandwidth(long bytesPerSecondLimit) {
        bytesPerSecond = bytesPerSecondLimit;
        fault = Fault.BANDWIDTH;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                open.add(client);
                threads.execute(() -> connect(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void connect(Socket client) {
        if (fault == Fault.RESET) {
            resetQuietly(client);
            return;
        }
        try {
            URI target = upstream;
            Socket server = new Socket(target.getHost(), target.getPort());
            open.add(server);
            threads.execute(() -> pump(client, server));
            threads.execute(() -> pump(server, client));
        } catch (IOException e) {
            resetQuietly(client);
        }
    }

    /** Copies one direction, applying the fault of the moment to each chunk. */
    private void pump(Socket from, Socket to) {
        Delay delay = new Delay(to);
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                while (fault == Fault.HANG) {
                    Thread.sleep(20); // forward nothing, answer nothing: the peer waits
                }
                if (fault == Fault.RESET) {
                    break;
                }
                if (fault == Fault.LATENCY) {
                    delay.send(Arrays.copyOf(buffer, n), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(latencyMillis));
                    continue;
                }
                delay.awaitDrained();
                out.write(buffer, 0, n);
                out.flush();
                if (fault == Fault.BANDWIDTH && bytesPerSecond > 0) {
                    Thread.sleep(Math.max(1, n * 1000L / bytesPerSecond));
                }
            }
            delay.awaitDrained();
            to.shutdownOutput();
        } catch (IOException e) {
            // the peer went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (fault == Fault.RESET) {
                resetQuietly(from);
                resetQuietly(to);
            }
        }
    }

    /** A delay line for one direction: chunks leave in order, each when it is due, from one writer thread. */
    private final class Delay {
        private final Socket to;
        private final LinkedBlockingQueue<Object[]> queue = new LinkedBlockingQueue<>();
        private final AtomicInteger pending = new AtomicInteger();
        private boolean started;

        Delay(Socket to) {
            this.to = to;
        }

        void send(byte[] chunk, long dueNanos) throws InterruptedException {
            pending.incrementAndGet();
            queue.put(new Object[] {chunk, dueNanos});
            if (!started) {
                started = true;
                threads.execute(this::write);
            }
        }

        void awaitDrained() throws InterruptedException {
            while (pending.get() > 0) {
                Thread.sleep(5);
            }
        }

        private void write() {
            try {
                OutputStream out = to.getOutputStream();
                while (!to.isClosed()) {
                    Object[] item = queue.poll(1, TimeUnit.SECONDS);
                    if (item == null) {
                        continue;
                    }
                    long wait = (Long) item[1] - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    out.write((byte[]) item[0]);
                    out.flush();
                    pending.decrementAndGet();
                }
            } catch (IOException e) {
                resetQuietly(to);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pending.set(0);
            }
        }
    }

    private void resetQuietly(Socket s) {
        open.remove(s);
        try {
            s.setSoLinger(true, 0); // close with RST, not FIN
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) {
            resetQuietly(s);
        }
        threads.shutdownNow();
    }
}
