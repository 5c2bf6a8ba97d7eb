package io.portcullis.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * An application behind two HTTP proxies in a row, as in Istio's http-proxy task: a CONNECT tunnel
 * through the gateway's explicit proxy to the corporate proxy, a CONNECT through that one to the
 * site, then the application's own TLS (SNI and certificate checked) and one GET.
 */
final class ProxyChain {
    private static final int TIMEOUT_MILLIS = 20_000;

    private ProxyChain() {
    }

    /** The whole response (status line, headers, body) of {@code GET path} to {@code host:port}. */
    static String get(int gatewayProxyPort, String corporateProxy, String host, int port, String path, SSLContext tls)
            throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gatewayProxyPort)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            connect(socket, corporateProxy);
            connect(socket, host + ":" + port);
            try (SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true)) {
                SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(params);
                ssl.startHandshake();
                OutputStream out = ssl.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return new String(ssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /** Sends CONNECT for {@code authority} and reads the proxy's answer head; fails unless it is 200. */
    private static void connect(Socket socket, String authority) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = readHead(socket.getInputStream());
        if (!head.startsWith("HTTP/1.1 200") && !head.startsWith("HTTP/1.0 200")) {
            throw new IOException("CONNECT " + authority + " answered: " + head);
        }
    }

    /** Reads byte by byte up to the blank line, so nothing of the tunnel's content is consumed. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
