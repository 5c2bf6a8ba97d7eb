package io.portcullis.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A stand-in for an external web service of the Istio tasks on a fixed port of a loopback
 * address of its own (80 and 443, as the tasks print them): plain HTTP, HTTPS, or HTTPS that
 * requires a client certificate (the tasks' nginx). It answers every request with its name, the
 * Host header and the path, so a test sees which server answered what; {@code /delay/N} answers
 * after N seconds, as httpbin does.
 */
final class StandInOrigin implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "stand-in");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger requests = new AtomicInteger();
    private static final java.util.regex.Pattern DELAY = java.util.regex.Pattern.compile("/delay/([0-9]{1,2})");

    private StandInOrigin(String name, HttpServer server) {
        this.name = name;
        this.server = server;
        server.createContext("/", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    static StandInOrigin http(String name, InetAddress ip, int port) throws IOException {
        return new StandInOrigin(name, HttpServer.create(new InetSocketAddress(ip, port), 50));
    }

    /** HTTPS with {@code tls}'s certificate; with {@code requireClientCertificate}, its CAs verify clients. */
    static StandInOrigin https(String name, InetAddress ip, int port, SSLContext tls, boolean requireClientCertificate)
            throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(ip, port), 50);
        s.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setNeedClientAuth(requireClientCertificate);
                params.setSSLParameters(p);
            }
        });
        return new StandInOrigin(name, s);
    }

    /** What this stand-in answers to a request for {@code host} and {@code path}. */
    String body(String host, String path) {
        return "hello from " + name + ": Host=" + host + " path=" + path + "\n";
    }

    int requestCount() {
        return requests.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        java.util.regex.Matcher delay = DELAY.matcher(exchange.getRequestURI().getPath());
        if (delay.matches()) {
            // httpbin's /delay/N: the answer starts after N seconds (the egress-control task's timeout demo).
            try {
                Thread.sleep(Long.parseLong(delay.group(1)) * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
        }
        byte[] body = body(exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestURI().getPath())
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
