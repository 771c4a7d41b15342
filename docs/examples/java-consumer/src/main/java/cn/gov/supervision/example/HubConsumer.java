package cn.gov.supervision.example;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.Conversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one topic of the Supervision Data Hub and prints one JSON line per message:
 * {"topic", "partition", "offset", "key", "headers", "schema", "value"}; value is null for a
 * tombstone (operation=delete on a feed).
 *
 * <p>Usage: {@code HubConsumer consumer.properties}. The file holds Kafka consumer properties
 * (bootstrap.servers, group.id, and security.protocol, sasl.*, ssl.* for a secured cluster), passed
 * to KafkaConsumer as they are, plus these of the example:
 *
 * <ul>
 *   <li>{@code hub.topic}: the topic to read, e.g. out.national.officer;
 *   <li>{@code hub.schemas}: folders of writer schemas (*.avsc), comma-separated, e.g.
 *       schemas/records,schemas/events;
 *   <li>{@code hub.max.messages} (optional): stop after that many messages;
 *   <li>{@code hub.idle.ms} (optional): stop when nothing came for that long.
 * </ul>
 *
 * <p>Values are Avro single-object encoded: C3 01, the CRC-64-AVRO fingerprint of the writer
 * schema (the spec's parsing canonical form, without logicalType), then the datum. Avro's
 * BinaryMessageDecoder does exactly that lookup among the schemas it was given; the newest file
 * of each schema name (the last x_vN.avsc in file-name order, as the hub chooses) is the reader.
 */
public final class HubConsumer {

  private final Map<Long, String> nameOf = new HashMap<>();
  private final Map<String, BinaryMessageDecoder<GenericRecord>> decoders = new HashMap<>();

  HubConsumer(List<Path> schemaFolders) throws IOException {
    GenericData data = new GenericData();
    data.addLogicalTypeConversion(new TimeConversions.DateConversion());
    data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    data.addLogicalTypeConversion(new Conversions.DecimalConversion());
    Map<String, List<Schema>> byName = new TreeMap<>();
    for (Path folder : schemaFolders) {
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> found = Files.newDirectoryStream(folder, "*.avsc")) {
        found.forEach(files::add);
      }
      files.sort(null); // file-name order: x.avsc, x_v2.avsc, x_v3.avsc ... the last is newest
      for (Path file : files) {
        Schema schema = new Schema.Parser().parse(Files.readString(file, StandardCharsets.UTF_8));
        byName.computeIfAbsent(schema.getFullName(), n -> new ArrayList<>()).add(schema);
        nameOf.put(SchemaNormalization.parsingFingerprint64(schema), schema.getFullName());
      }
    }
    byName.forEach((name, writers) -> {
      Schema reader = writers.get(writers.size() - 1);
      BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(data, reader);
      writers.forEach(decoder::addSchema);
      decoders.put(name, decoder);
    });
  }

  /** The writer schema's full name, from the fingerprint in bytes 2..9 (little-endian). */
  String schemaName(byte[] value) {
    if (value.length < 10 || (value[0] & 0xff) != 0xc3 || value[1] != 0x01) {
      throw new IllegalArgumentException("not Avro single-object encoding (bad magic)");
    }
    long fingerprint = ByteBuffer.wrap(value, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    String name = nameOf.get(fingerprint);
    if (name == null) {
      throw new IllegalArgumentException("unknown schema fingerprint " + Long.toHexString(fingerprint));
    }
    return name;
  }

  String toJsonLine(ConsumerRecord<byte[], byte[]> message) throws IOException {
    Map<String, Object> line = new java.util.LinkedHashMap<>();
    line.put("topic", message.topic());
    line.put("partition", message.partition());
    line.put("offset", message.offset());
    line.put("key", message.key() == null ? null : new String(message.key(), StandardCharsets.UTF_8));
    Map<String, Object> headers = new java.util.LinkedHashMap<>();
    for (Header h : message.headers()) {
      headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
    }
    line.put("headers", headers);
    if (message.value() == null) {
      line.put("schema", null);
      line.put("value", null); // a tombstone: the record under this key was retracted
    } else {
      String name = schemaName(message.value());
      line.put("schema", name);
      line.put("value", decoders.get(name).decode(message.value()));
    }
    StringBuilder out = new StringBuilder();
    json(line, out);
    return out.toString();
  }

  /** JSON for decoded Avro values: dates and timestamps as ISO 8601, decimals as strings. */
  static void json(Object v, StringBuilder out) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof GenericRecord r) {
      Map<String, Object> fields = new java.util.LinkedHashMap<>();
      r.getSchema().getFields().forEach(f -> fields.put(f.name(), r.get(f.pos())));
      json(fields, out);
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      String sep = "";
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.append(sep);
        string(String.valueOf(e.getKey()), out);
        out.append(':');
        json(e.getValue(), out);
        sep = ",";
      }
      out.append('}');
    } else if (v instanceof Collection<?> c) {
      out.append('[');
      String sep = "";
      for (Object item : c) {
        out.append(sep);
        json(item, out);
        sep = ",";
      }
      out.append(']');
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      out.append(v);
    } else if (v instanceof Double || v instanceof Float) {
      out.append(v); // the hub's schemas hold no NaN or infinities
    } else if (v instanceof BigDecimal d) {
      string(d.toPlainString(), out);
    } else if (v instanceof ByteBuffer b) {
      byte[] bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
      string(Base64.getEncoder().encodeToString(bytes), out);
    } else {
      string(v.toString(), out); // strings (Utf8), enum symbols, LocalDate, Instant
    }
  }

  static void string(String s, StringBuilder out) {
    out.append('"');
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch); // Chinese text as it is: the output is UTF-8
          }
        }
      }
    }
    out.append('"');
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: HubConsumer consumer.properties");
      System.exit(2);
    }
    Properties props = new Properties();
    try (InputStream in = new FileInputStream(args[0])) {
      props.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    }
    String topic = (String) props.remove("hub.topic");
    String schemas = (String) props.remove("hub.schemas");
    long max = Long.parseLong((String) props.getOrDefault("hub.max.messages", "-1"));
    long idleMs = Long.parseLong((String) props.getOrDefault("hub.idle.ms", "-1"));
    props.remove("hub.max.messages");
    props.remove("hub.idle.ms");
    if (topic == null || schemas == null) {
      System.err.println("hub.topic and hub.schemas are required");
      System.exit(2);
    }
    props.putIfAbsent("auto.offset.reset", "earliest");
    List<Path> folders = new ArrayList<>();
    for (String folder : schemas.split(",")) {
      folders.add(Path.of(folder.trim()));
    }
    HubConsumer hub = new HubConsumer(folders);
    var stdout = new java.io.PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long seen = 0;
      long lastMessage = System.currentTimeMillis();
      while (max < 0 || seen < max) {
        var batch = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> message : batch) {
          stdout.println(hub.toJsonLine(message));
          if (++seen == max) {
            break;
          }
        }
        if (!batch.isEmpty()) {
          consumer.commitSync(); // at least once: commit after printing; dedupe by event_id
          lastMessage = System.currentTimeMillis();
        } else if (idleMs >= 0 && System.currentTimeMillis() - lastMessage > idleMs) {
          break;
        }
      }
    }
  }
}
