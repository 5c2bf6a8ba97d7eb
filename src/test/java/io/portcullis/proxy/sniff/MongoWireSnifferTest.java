package io.portcullis.proxy.sniff;

import static io.portcullis.proxy.sniff.SnifferHarness.client;
import static io.portcullis.proxy.sniff.SnifferHarness.concat;
import static io.portcullis.proxy.sniff.SnifferHarness.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonBinaryWriter;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.junit.jupiter.api.Test;

/** The MongoDB wire protocol sniffer on messages encoded by the official BSON library. */
class MongoWireSnifferTest {
    private static int nextId = 1;

    static byte[] bson(BsonDocument doc) {
        BasicOutputBuffer out = new BasicOutputBuffer();
        new BsonDocumentCodec().encode(new BsonBinaryWriter(out), doc, EncoderContext.builder().build());
        return out.toByteArray();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] cstring(String s) {
        return concat(s.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    static byte[] message(int requestId, int responseTo, int opCode, byte[] body) {
        return concat(le32(16 + body.length), le32(requestId), le32(responseTo), le32(opCode), body);
    }

    /** OP_MSG with a kind-0 command document and optional kind-1 document sequence. */
    static byte[] opMsg(int id, int responseTo, int flags, BsonDocument command, String seqId, BsonDocument... seq) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(le32(flags));
        body.write(0);
        body.writeBytes(bson(command));
        if (seqId != null) {
            ByteArrayOutputStream docs = new ByteArrayOutputStream();
            for (BsonDocument d : seq) {
                docs.writeBytes(bson(d));
            }
            byte[] ident = cstring(seqId);
            body.write(1);
            body.writeBytes(le32(4 + ident.length + docs.size()));
            body.writeBytes(ident);
            body.writeBytes(docs.toByteArray());
        }
        if ((flags & 1) != 0) {
            body.writeBytes(le32(0x12345678));
        }
        return message(id, responseTo, 2013, body.toByteArray());
    }

    static BsonDocument doc(String json) {
        return BsonDocument.parse(json);
    }

    static List<String> sniff(SnifferHarness.Turn... turns) {
        return SnifferHarness.run(s -> new MongoWireSniffer(s.mongo()), turns);
    }

    @Test
    void opMsgOperationsAreCountedByCommandAndCollectionAndRepliesByWhatTheyAnswer() {
        byte[] insert = opMsg(1, 0, 0, doc("{insert: 'books', ordered: true, $db: 'library'}"), "documents",
                doc("{_id: 1, title: 'Dune'}"), doc("{_id: 2, title: 'Emma'}"));
        byte[] inserted = opMsg(100, 1, 0, new BsonDocument("n", new BsonInt32(2)).append("ok", new BsonDouble(1)), null);
        byte[] find = opMsg(2, 0, 0, doc("{find: 'books', filter: {title: 'Dune'}, limit: 1, $db: 'library'}"), null);
        byte[] found = opMsg(101, 2, 0, doc("{cursor: {firstBatch: [{_id: 1}], id: {$numberLong: '0'}, ns: 'library.books'}, ok: 1.0}"), null);
        byte[] getMore = opMsg(3, 0, 0, new BsonDocument("getMore", new BsonInt64(42)).append("collection", new BsonString("loans"))
                .append("$db", new BsonString("library")), null);
        byte[] more = opMsg(102, 3, 0, doc("{cursor: {nextBatch: [], id: {$numberLong: '0'}}, ok: 1}"), null);
        assertThat(sniff(client(insert), server(inserted), client(find), server(found), client(getMore), server(more)))
                .containsExactly("op insert books", "reply insert", "op find books", "reply find",
                        "op getMore loans", "reply getMore");
    }

    @Test
    void failedRepliesAreErrorsOfTheirCommand() {
        byte[] update = opMsg(7, 0, 0, doc("{update: 'books', updates: [{q: {}, u: {$set: {a: 1}}}], $db: 'x'}"), null);
        byte[] notOk = opMsg(200, 7, 0, doc("{ok: 0.0, errmsg: 'bad update', code: 9, codeName: 'FailedToParse'}"), null);
        byte[] delete = opMsg(8, 0, 0, doc("{delete: 'books', deletes: [], $db: 'x'}"), null);
        byte[] writeErrors = opMsg(201, 8, 0,
                doc("{n: 0, writeErrors: [{index: 0, code: 11000, errmsg: 'dup'}], ok: 1.0}"), null);
        byte[] ping = opMsg(9, 0, 0, doc("{ping: 1, $db: 'admin'}"), null);
        byte[] pong = opMsg(202, 9, 0, new BsonDocument("ok", new BsonInt32(1)), null);
        byte[] hello = opMsg(10, 0, 0, doc("{hello: 1, $db: 'admin'}"), null);
        byte[] boolOk = opMsg(203, 10, 0, new BsonDocument("isWritablePrimary", BsonBoolean.TRUE).append("ok", BsonBoolean.FALSE), null);
        assertThat(sniff(client(update), server(notOk), client(delete), server(writeErrors), client(ping), server(pong),
                client(hello), server(boolOk)))
                .containsExactly("op update books", "reply update", "error update", "op delete books", "reply delete",
                        "error delete", "op ping ", "reply ping", "op hello ", "reply hello", "error hello");
    }

    @Test
    void legacyQueryAndReplyAsDriversSendTheirFirstHello() {
        byte[] query = message(1, 0, 2004, concat(le32(0), cstring("admin.$cmd"), le32(0), le32(-1),
                bson(doc("{isMaster: 1, helloOk: true, client: {driver: {name: 'x'}}}"))));
        byte[] reply = message(50, 1, 1, concat(le32(8), new byte[8], le32(0), le32(1),
                bson(doc("{ismaster: true, maxWireVersion: 21, ok: 1.0}"))));
        byte[] legacyFind = message(2, 0, 2004, concat(le32(0), cstring("library.books"), le32(0), le32(10),
                bson(doc("{title: 'Dune'}"))));
        byte[] failure = message(51, 2, 1, concat(le32(2), new byte[8], le32(0), le32(1),
                bson(doc("{$err: 'not authorized', code: 13}"))));
        assertThat(sniff(client(query), server(reply), client(legacyFind), server(failure)))
                .containsExactly("op isMaster ", "reply isMaster", "op query books", "reply query", "error query");
    }

    @Test
    void legacyWriteOpsCompressedMessagesAndChecksumsKeepTheStreamInStep() {
        byte[] insert = message(1, 0, 2002, concat(le32(0), cstring("db.orders"), bson(doc("{a: 1}"))));
        byte[] update = message(2, 0, 2001, concat(le32(0), cstring("db.orders"), le32(0), bson(doc("{}")), bson(doc("{a: 2}"))));
        byte[] delete = message(3, 0, 2006, concat(le32(0), cstring("db.orders"), le32(0), bson(doc("{}"))));
        byte[] compressed = message(4, 0, 2012, concat(le32(2013), le32(100), new byte[] {1}, new byte[] {1, 2, 3, 4, 5, 6}));
        byte[] compressedReply = message(60, 4, 2012, concat(le32(2013), le32(50), new byte[] {2}, new byte[] {9, 9, 9}));
        byte[] checked = opMsg(5, 0, 1, doc("{count: 'orders', $db: 'db'}"), null);
        byte[] checkedReply = opMsg(61, 5, 1, doc("{n: 3, ok: 1.0}"), null);
        assertThat(sniff(client(insert, update, delete), client(compressed), server(compressedReply), client(checked),
                server(checkedReply)))
                .containsExactly("op insert orders", "op update orders", "op delete orders", "op op_compressed ",
                        "reply op_compressed", "op count orders", "reply count");
    }

    @Test
    void pipelinedMessagesInOneReadAreAllCounted() {
        byte[] a = opMsg(1, 0, 0, doc("{find: 'a', $db: 'x'}"), null);
        byte[] b = opMsg(2, 0, 0, doc("{find: 'b', $db: 'x'}"), null);
        byte[] ra = opMsg(90, 1, 0, doc("{ok: 1}"), null);
        byte[] rb = opMsg(91, 2, 0, doc("{ok: 0, errmsg: 'x'}"), null);
        assertThat(sniff(client(a, b), server(ra, rb)))
                .containsExactly("op find a", "op find b", "reply find", "reply find", "error find");
    }

    @Test
    void garbageStopsParsingOnceAndIsCountedOnce() {
        byte[] http = "GET / HTTP/1.1\r\nHost: mongo\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(sniff(client(http), server(http), client(http))).containsExactly("unparsed");

        // A valid operation, then a message whose BSON length runs past its message.
        byte[] find = opMsg(1, 0, 0, doc("{find: 'a', $db: 'x'}"), null);
        byte[] lying = message(2, 0, 2013, concat(le32(0), new byte[] {0}, le32(1000), new byte[] {0x10, 'a', 0, 1, 0, 0, 0, 0}));
        assertThat(sniff(client(find, lying), client(find))).containsExactly("op find a", "unparsed");

        // An unknown BSON type, a reply opcode from a client, a section kind that does not exist.
        byte[] badType = message(3, 0, 2013, concat(le32(0), new byte[] {0}, le32(8), new byte[] {0x55, 'a', 0, 0}));
        byte[] replyFromClient = message(4, 0, 1, concat(le32(0), new byte[8], le32(0), le32(0)));
        byte[] badKind = message(5, 0, 2013, concat(le32(0), new byte[] {7}, bson(doc("{find: 'a'}"))));
        assertThat(sniff(client(badType))).containsExactly("unparsed");
        assertThat(sniff(client(replyFromClient))).containsExactly("unparsed");
        assertThat(sniff(client(badKind))).containsExactly("unparsed");
    }

    @Test
    void commandNamesThatAreNotIdentifiersAreOther() {
        BsonDocument odd = new BsonDocument("fi nd\u00e9", new BsonString("c")).append("x", new BsonArray());
        assertThat(sniff(client(opMsg(1, 0, 0, odd, null)))).containsExactly("op other c");
    }
}
