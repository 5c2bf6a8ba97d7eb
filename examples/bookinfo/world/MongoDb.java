import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.bson.Document;

/**
 * The demo's "external MongoDB" (mongo-java-server: MongoDB itself is not in Debian), one
 * database served three times: {@code serve ADDRESS TLS_ADDRESS CERT KEY} listens on ADDRESS:27017
 * in plain TCP, and on TLS_ADDRESS:27017 and TLS_ADDRESS:443 over TLS with CERT (mongo.example.test,
 * from the demo CA) and its EC KEY (PKCS#8 PEM): the wildcard article's gateway forwards to the SNI's
 * host on 443. Bookinfo's ratings collection, until killed.
 * {@code set ADDRESS REVIEW STARS} changes one rating with the official driver, as an operator with
 * the mongo shell would.
 */
public final class MongoDb {
    public static void main(String[] args) throws Exception {
        String uri = "mongodb://" + args[1] + ":27017/?directConnection=true";
        if (args[0].equals("set")) {
            try (MongoClient client = MongoClients.create(uri)) {
                client.getDatabase("test").getCollection("ratings").updateOne(
                        Filters.eq("_id", Integer.parseInt(args[2])), Updates.set("rating", Integer.parseInt(args[3])));
            }
            return;
        }
        MemoryBackend backend = new MemoryBackend();
        new MongoServer(backend).bind(args[1], 27017);
        for (int port : new int[] {27017, 443}) {
            MongoServer tls = new MongoServer(backend);
            tls.enableSsl(privateKey(Path.of(args[4])), null, certificate(Path.of(args[3])));
            tls.bind(args[2], port);
        }
        try (MongoClient client = MongoClients.create(uri)) {
            client.getDatabase("test").getCollection("ratings").insertMany(List.of(
                    new Document("_id", 1).append("rating", 5), new Document("_id", 2).append("rating", 4)));
        }
        System.err.println("mongodb: ratings collection ready on " + args[1] + ":27017 and, over TLS, " + args[2] + ":27017 and :443");
        Thread.currentThread().join();
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static PrivateKey privateKey(Path pem) throws Exception {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
