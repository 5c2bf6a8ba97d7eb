package io.portcullis.bench;

import java.io.File;
import java.net.InetSocketAddress;

/** Ad-hoc use of {@link TlsLoad}: {@code TlsLoadMain CA_PEM SNI ORIGIN_PORT CONNECT_PORT [connect] [request] [concurrency] [seconds]}. */
public final class TlsLoadMain {
    private TlsLoadMain() {
    }

    public static void main(String[] a) throws Exception {
        TlsLoad load = new TlsLoad(new File(a[0]), a[1], Integer.parseInt(a[2]));
        boolean connect = a.length > 4 && a[4].equals("true");
        boolean request = a.length > 5 && a[5].equals("true");
        int concurrency = a.length > 6 ? Integer.parseInt(a[6]) : 32;
        int seconds = a.length > 7 ? Integer.parseInt(a[7]) : 5;
        TlsLoad.Result r = load.run(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[3])), connect, request, concurrency, seconds);
        System.out.printf("%d completed, %d failed, %.0f/s%n", r.completed(), r.failed(), r.perSecond());
    }
}
