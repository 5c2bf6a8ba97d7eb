package io.portcullis.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reopens the access-log file, as logrotate's {@code postrotate kill -HUP} expects.
 * {@code sun.misc.Signal} (module jdk.unsupported) is the JDK's only way to catch a signal; the
 * handler runs on the JVM's signal thread and only sets a flag the log writer reads.
 *
 * <p>It is reached by reflection: javac's warning for internal API cannot be suppressed, and the
 * build fails on any warning (issue 12). The calls are the same {@code Signal.handle(new
 * Signal("HUP"), handler)} as written out.
 */
final class ReopenOnHangup {
    private static final Logger LOG = LoggerFactory.getLogger(ReopenOnHangup.class);

    private ReopenOnHangup() {
    }

    static void install(Runnable reopen) {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(ReopenOnHangup.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> onCall(proxy, method, args, reopen));
            Object hup = signalType.getConstructor(String.class).newInstance("HUP");
            signalType.getMethod("handle", signalType, handlerType).invoke(null, hup, handler);
        } catch (InvocationTargetException e) {
            // The JVM was started with -Xrs or the platform has no SIGHUP: logrotate must use copytruncate.
            LOG.warn("cannot handle SIGHUP ({}); the access log will not be reopened on rotation",
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot handle SIGHUP (no sun.misc.Signal: {}); the access log will not be reopened on rotation",
                    e.toString());
        }
    }

    /** SignalHandler.handle reopens; Object's methods, asked of the proxy, answer as identity would. */
    private static Object onCall(Object proxy, Method method, Object[] args, Runnable reopen) {
        switch (method.getName()) {
            case "handle" -> {
                LOG.info("SIGHUP: reopening the access log");
                reopen.run();
                return null;
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            default -> {
                return "ReopenOnHangup.handler";
            }
        }
    }
}
