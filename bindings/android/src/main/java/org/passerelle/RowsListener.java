package org.passerelle;

import java.util.List;

/** Rows of the local view changed (a local write, a pull, a rejection). Runs on the client's Executor. */
@FunctionalInterface
public interface RowsListener {
  void onRowsChanged(List<RowKey> rows);
}
