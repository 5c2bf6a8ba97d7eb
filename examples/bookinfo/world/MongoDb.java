import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;
import org.bson.Document;

/**
 * The demo's "external MongoDB": {@code serve ADDRESS} runs a MongoDB wire-protocol server
 * (mongo-java-server; MongoDB itself is not in Debian) on ADDRESS:27017 with Bookinfo's ratings
 * collection, until killed. {@code set ADDRESS REVIEW STARS} changes one rating with the official
 * driver, as an operator with the mongo shell would.
 */
public final class MongoDb {
    public static void main(String[] args) throws InterruptedException {
        String uri = "mongodb://" + args[1] + ":27017/?directConnection=true";
        if (args[0].equals("serve")) {
            MongoServer server = new MongoServer(new MemoryBackend());
            server.bind(args[1], 27017);
            try (MongoClient client = MongoClients.create(uri)) {
                client.getDatabase("test").getCollection("ratings").insertMany(List.of(
                        new Document("_id", 1).append("rating", 5), new Document("_id", 2).append("rating", 4)));
            }
            System.err.println("mongodb: ratings collection ready on " + args[1] + ":27017");
            Thread.currentThread().join();
        } else {
            try (MongoClient client = MongoClients.create(uri)) {
                client.getDatabase("test").getCollection("ratings").updateOne(
                        Filters.eq("_id", Integer.parseInt(args[2])), Updates.set("rating", Integer.parseInt(args[3])));
            }
        }
    }
}
