package org.passerelle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A row of the local view that changed: read it again with {@link Client#get}. */
public final class RowKey {
  public final String collection;
  public final String id;

  public RowKey(String collection, String id) {
    this.collection = collection;
    this.id = id;
  }

  static List<RowKey> listFrom(Object json) {
    List<RowKey> out = new ArrayList<>();
    for (Object o : Json.arr(json)) {
      Map<?, ?> m = Json.obj(o);
      out.add(new RowKey(Json.str(m, "collection"), Json.str(m, "id")));
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowKey && ((RowKey) o).collection.equals(collection) && ((RowKey) o).id.equals(id);
  }

  @Override
  public int hashCode() {
    return Objects.hash(collection, id);
  }

  @Override
  public String toString() {
    return collection + "/" + id;
  }
}
