package io.portcullis.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import io.portcullis.policy.Admission;
import io.portcullis.policy.EgressPolicy;
import io.portcullis.policy.ListenerKind;
import io.portcullis.policy.ListenerSpec;
import io.portcullis.policy.Verdict;
import io.portcullis.proxy.ChannelFacts;
import io.portcullis.proxy.ForwardExecutor;
import io.portcullis.proxy.PipelineNames;
import io.portcullis.proxy.ReadHold;
import io.portcullis.telemetry.ConnectionLog;

/**
 * A TCP listener of a Gateway server: nothing to inspect in opaque bytes, so the facts are the
 * addresses alone; {@link Admission#admit} decides on accept by the bound {@code VirtualService}
 * tcp route, and the {@link ForwardExecutor} connects and relays. The client is not read until the
 * upstream is connected.
 */
public final class TcpRouteHandler extends ChannelInboundHandlerAdapter {
    /** Not {@code @Sharable}: answered here, not by Netty's per-class annotation lookup on every pipeline add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    private final EgressPolicy policy;
    private final ListenerSpec listener;
    private final ForwardExecutor executor;
    private final ConnectionLog log;

    public TcpRouteHandler(EgressPolicy policy, ListenerSpec listener, ForwardExecutor executor, ConnectionLog log) {
        this.policy = policy;
        this.listener = listener;
        this.executor = executor;
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Verdict verdict = Admission.admit(policy, ChannelFacts.of(ListenerKind.TCP, listener, ctx.channel()).build());
        log.decided(verdict);
        if (!(verdict instanceof Verdict.Forward forward)) {
            // Fire-and-forget: nothing here acts on how the close ends.
            ChannelFuture unused = ctx.close();
            return;
        }
        // Even with auto-read off, epoll reads what is pending when the client half-closes.
        ctx.pipeline().addAfter(ctx.name(), PipelineNames.READ_HOLD, new ReadHold());
        executor.open(ctx.channel().eventLoop(), forward, log)
                .addListener((Future<Channel> f) -> executor.relay(ctx, f, log, false));
        ctx.fireChannelActive();
    }
}
