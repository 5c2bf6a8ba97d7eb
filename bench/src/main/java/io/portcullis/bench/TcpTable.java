package io.portcullis.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Counts sockets in {@code /proc/net/tcp}: how many connections a server port has established. */
final class TcpTable {
    private static final String ESTABLISHED = "01";
    private static final String LISTEN = "0A";

    private TcpTable() {
    }

    /** Established IPv4 connections whose local port is {@code port} (the server's side of them). */
    static int establishedOnLocalPort(int port) {
        return count(port, ESTABLISHED);
    }

    /** Whether something listens on {@code port} (IPv4, or IPv6 dual-stack), seen without connecting to it. */
    static boolean listening(int port) {
        return count(port, LISTEN) > 0 || count6(port) > 0;
    }

    private static int count6(int port) {
        String suffix = String.format(":%04X", port);
        int n = 0;
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/net/tcp6"))) {
            r.readLine();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(suffix) && f[3].equals(LISTEN)) {
                    n++;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return n;
    }

    private static int count(int port, String state) {
        String suffix = String.format(":%04X", port);
        int n = 0;
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/net/tcp"))) {
            r.readLine();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(suffix) && f[3].equals(state)) {
                    n++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }
}
