package dev.jspawn.images;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Plain values as JSON: maps (a LinkedHashMap in its order, any other map by sorted keys, so that the bytes never
 * change), lists, strings, numbers, booleans and nulls. What base push writes into an image and what the jspawn
 * command prints with --json.
 */
public final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** {@code value} as JSON without white space, in UTF-8. */
    public static byte[] bytes(Object value) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            write(g, value);
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code v} to {@code g}; anything but the values above is an IOException. */
    public static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            Iterable<? extends Map.Entry<?, ?>> entries = m instanceof LinkedHashMap<?, ?> ? m.entrySet()
                    : new java.util.TreeMap<>(m).entrySet();
            for (Map.Entry<?, ?> e : entries) {
                g.writeFieldName(e.getKey().toString());
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object x : l) write(g, x);
            g.writeEndArray();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof java.math.BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof Number n) {
            g.writeNumber(n.toString());
        } else {
            throw new IOException("not a JSON value: " + v.getClass().getName());
        }
    }
}
