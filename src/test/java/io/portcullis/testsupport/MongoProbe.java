package io.portcullis.testsupport;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bson.Document;

/**
 * An app that uses MongoDB with the official driver, run as its own JVM inside an app network
 * namespace: {@code MongoProbe URI [CA_PEM]} inserts a document, reads it back, prints
 * {@code found <json>} and exits 0; with a CA, speaks TLS and verifies the server's name.
 */
public final class MongoProbe {
  private MongoProbe() {}

  public static void main(String[] args) throws Exception {
    MongoClientSettings.Builder settings = MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString(args[0]))
        .applyToClusterSettings(c -> c.serverSelectionTimeout(20, TimeUnit.SECONDS))
        .applyToSocketSettings(s -> s.connectTimeout(10, TimeUnit.SECONDS).readTimeout(20, TimeUnit.SECONDS));
    if (args.length > 1) {
      SSLContext context = trusting(Path.of(args[1]));
      settings.applyToSslSettings(s -> s.enabled(true).context(context));
    }
    String id = UUID.randomUUID().toString();
    try (MongoClient client = MongoClients.create(settings.build())) {
      MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
      orders.insertOne(new Document("_id", id).append("item", "egress"));
      Document found = orders.find(Filters.eq("_id", id)).first();
      System.out.println("found " + (found == null ? "nothing" : found.toJson()));
      System.exit(found == null ? 1 : 0);
    }
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      int i = 0;
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca" + i++, (X509Certificate) c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
