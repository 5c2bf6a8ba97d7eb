package io.portcullis.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.FingerprintTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * A small TLS load generator (openssl s_time in OpenSSL 3.0 cannot send SNI): {@code concurrency}
 * loops, each opening a connection, optionally asking a forward proxy for a CONNECT tunnel first,
 * doing a full TLS handshake with SNI (BoringSSL through Netty, the origin's certificate pinned,
 * so the client costs little of the shared CPU), optionally sending one {@code GET /} and reading the
 * whole answer, then closing and starting again, for a fixed time. The origin disables session
 * caches and tickets, so every handshake is a full one.
 */
final class TlsLoad {
    /** Completed operations and failures over {@code seconds}. */
    record Result(long completed, long failed, double seconds) {
        double perSecond() {
            return completed / seconds;
        }
    }

    private final SslContext ssl;
    private final String sni;
    private final int originPort;

    TlsLoad(File originCertificate, String sni, int originPort) throws SSLException {
        // Pinned to the origin's own certificate: proves the bytes reached the origin through the
        // route under test, at a fraction of the client CPU a chain verification in Java costs.
        this.ssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(FingerprintTrustManagerFactory.builder("SHA-256").fingerprints(fingerprint(originCertificate)).build())
                .build();
        this.sni = sni;
        this.originPort = originPort;
    }

    private static String fingerprint(File pem) throws SSLException {
        try (InputStream in = Files.newInputStream(pem.toPath())) {
            Certificate cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException("cannot read " + pem + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param connect     the address to connect to (an SNI router, a forward proxy, or the origin)
     * @param viaConnect  send {@code CONNECT sni:originPort} first and wait for its 200
     * @param sendRequest after the handshake, send one request and read the answer to its end
     */
    Result run(InetSocketAddress connect, boolean viaConnect, boolean sendRequest, int concurrency, int seconds)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        CountDownLatch loops = new CountDownLatch(concurrency);
        try {
            Bootstrap b = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (viaConnect) {
                                ch.pipeline().addLast("connect", new ConnectPreface());
                            } else {
                                ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), sni, originPort));
                            }
                            ch.pipeline().addLast("exchange", new Exchange(sendRequest));
                        }
                    });
            for (int i = 0; i < concurrency; i++) {
                loop(b, connect, deadline, completed, failed, loops);
            }
            loops.await(seconds + 30L, TimeUnit.SECONDS);
            double elapsed = (System.nanoTime() - start) / 1e9;
            return new Result(completed.get(), failed.get(), elapsed);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void loop(Bootstrap b, InetSocketAddress connect, long deadline, AtomicLong completed, AtomicLong failed,
                      CountDownLatch loops) {
        if (System.nanoTime() >= deadline) {
            loops.countDown();
            return;
        }
        b.connect(connect).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                failed.incrementAndGet();
                loop(b, connect, deadline, completed, failed, loops);
                return;
            }
            f.channel().closeFuture().addListener(c -> {
                Exchange ex = f.channel().pipeline().get(Exchange.class);
                if (ex != null && ex.done) {
                    completed.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                loop(b, connect, deadline, completed, failed, loops);
            });
        });
    }

    /** Asks for the tunnel, waits for {@code 200}, then puts TLS in its place. */
    private final class ConnectPreface extends ChannelInboundHandlerAdapter {
        private final StringBuilder head = new StringBuilder();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            String authority = sni + ":" + originPort;
            ctx.writeAndFlush(Unpooled.copiedBuffer("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n",
                    StandardCharsets.US_ASCII));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                head.append(buf.toString(StandardCharsets.ISO_8859_1));
            } finally {
                ReferenceCountUtil.release(buf);
            }
            int end = head.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            String status = head.substring(0, Math.min(12, head.length()));
            if (!status.equals("HTTP/1.1 200") && !status.equals("HTTP/1.0 200") || end + 4 != head.length()) {
                ctx.close();
                return;
            }
            ctx.pipeline().replace(this, "tls", ssl.newHandler(ctx.alloc(), sni, originPort));
        }
    }

    /** Closes after the handshake, or sends one request and closes once the whole answer is in. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        private final boolean sendRequest;
        private final StringBuilder response = new StringBuilder();
        volatile boolean done;

        Exchange(boolean sendRequest) {
            this.sendRequest = sendRequest;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    ctx.close();
                } else if (!sendRequest) {
                    done = true;
                    ctx.close();
                } else {
                    ctx.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: " + sni + ":" + originPort
                            + "\r\nConnection: close\r\n\r\n", StandardCharsets.US_ASCII));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                response.append(buf.toString(StandardCharsets.ISO_8859_1));
            } finally {
                ReferenceCountUtil.release(buf);
            }
            if (isComplete()) {
                done = true;
                ctx.close();
            }
        }

        private boolean isComplete() {
            int end = response.indexOf("\r\n\r\n");
            if (end < 0 || response.indexOf("HTTP/1.1 200") != 0) {
                return false;
            }
            String head = response.substring(0, end).toLowerCase(java.util.Locale.ROOT);
            int at = head.indexOf("content-length:");
            if (at < 0) {
                return false;
            }
            int eol = head.indexOf("\r\n", at);
            long length = Long.parseLong(head.substring(at + 15, eol < 0 ? head.length() : eol).trim());
            return response.length() - end - 4 >= length;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
