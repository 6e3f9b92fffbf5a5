package io.framegate.accelerator.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkspaceTest {

  @Test
  void eachSlotTakesItsOwnShareInOrderThenWhatIsLeftOfTheOthers() {
    Workspace ws = new Workspace(3);
    ws.resetItems(10); // shares [0, 3), [3, 6), [6, 10)
    assertEquals(6, ws.claimItem(2));
    assertEquals(3, ws.claimItem(1));
    assertEquals(0, ws.claimItem(0));
    assertEquals(List.of(7, 8, 9, 1, 2, 4, 5), drain(ws, 2));
    assertEquals(-1, ws.claimItem(0));
    assertEquals(-1, ws.claimItem(1));
  }

  @Test
  void fewerItemsThanSlotsAndAResetStartOver() {
    Workspace ws = new Workspace(4);
    ws.resetItems(2); // shares [0, 0), [0, 1), [1, 1), [1, 2)
    assertEquals(List.of(1, 0), drain(ws, 3));
    ws.resetItems(0);
    assertEquals(List.of(), drain(ws, 0));
    ws.resetItems(5);
    assertEquals(List.of(0, 1, 2, 3, 4), drain(ws, 0));
  }

  private static List<Integer> drain(Workspace ws, int slot) {
    List<Integer> items = new ArrayList<>();
    for (int i = ws.claimItem(slot); i >= 0; i = ws.claimItem(slot)) {
      items.add(i);
    }
    return items;
  }
}
