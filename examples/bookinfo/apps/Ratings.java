import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Sorts;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * Bookinfo's ratings service, reduced: GET /ratings/0 reads the stars of Reviewer1 and Reviewer2
 * from an external database, as ratings v2 does. {@code DB_TYPE=mysql} reads the table
 * {@code test.ratings (ReviewID, Rating)} at {@code MYSQL_DB_HOST:3306} over JDBC;
 * {@code DB_TYPE=mongodb} reads the collection {@code test.ratings} at {@code MONGO_DB_URL} with the
 * official driver. A new connection per request, so a configuration change shows at once.
 * Listens on 0.0.0.0:9080.
 */
public final class Ratings {
    private static final int TIMEOUT_MILLIS = 4_000;

    public static void main(String[] args) throws IOException {
        String type = System.getenv().getOrDefault("DB_TYPE", "mysql");
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", 9080), 16);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/ratings/", exchange -> answer(exchange, type));
        server.start();
    }

    private static void answer(HttpExchange exchange, String type) throws IOException {
        int status = 200;
        String body;
        try {
            Map<String, Integer> stars = type.equals("mongodb") ? fromMongo() : fromMysql();
            StringBuilder json = new StringBuilder("{\"id\":0,\"source\":\"").append(source(type)).append("\",\"ratings\":{");
            stars.forEach((reviewer, n) -> json.append('"').append(reviewer).append("\":").append(n).append(','));
            json.setLength(json.length() - (stars.isEmpty() ? 0 : 1));
            body = json.append("}}").toString();
        } catch (SQLException | RuntimeException e) {
            status = 503;
            body = "{\"error\":\"" + (type + " at " + source(type) + ": " + e.getMessage())
                    .replace("\\", "\\\\").replace("\"", "'").replace("\n", " ") + "\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static String source(String type) {
        return type.equals("mongodb") ? System.getenv("MONGO_DB_URL") : "mysql://" + System.getenv("MYSQL_DB_HOST") + ":3306";
    }

    private static Map<String, Integer> fromMysql() throws SQLException {
        String url = "jdbc:mariadb://" + System.getenv("MYSQL_DB_HOST") + ":3306/test?connectTimeout=" + TIMEOUT_MILLIS
                + "&socketTimeout=" + TIMEOUT_MILLIS;
        try (Connection c = DriverManager.getConnection(url, System.getenv("MYSQL_DB_USER"), System.getenv("MYSQL_DB_PASSWORD"));
             ResultSet rows = c.createStatement().executeQuery("SELECT ReviewID, Rating FROM ratings ORDER BY ReviewID")) {
            Map<String, Integer> stars = new LinkedHashMap<>();
            while (rows.next()) {
                stars.put("Reviewer" + rows.getInt(1), rows.getInt(2));
            }
            return stars;
        }
    }

    private static Map<String, Integer> fromMongo() {
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(System.getenv("MONGO_DB_URL")))
                .applyToClusterSettings(b -> b.serverSelectionTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(b -> b.connectTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                        .readTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                .build();
        try (MongoClient client = MongoClients.create(settings)) {
            Map<String, Integer> stars = new LinkedHashMap<>();
            for (Document d : client.getDatabase("test").getCollection("ratings").find().sort(Sorts.ascending("_id"))) {
                stars.put("Reviewer" + d.getInteger("_id"), d.getInteger("rating"));
            }
            return stars;
        }
    }
}
