"""What the tree announces to the apps that keep something per subtree (ARCHITECTURE: the tree
tells its dependents; it does not call into them). Receivers connect in their app's ready().

A move is announced twice, inside node_move's transaction, after `tree.hold_paths()`:

- `subtree_moving(node, old_parent, new_parent)` — before any node row is locked or changed
  (the nodes carry their current paths). A receiver takes here the locks its settling will
  need: its own writers take those locks before they write rows pointing at nodes, so taking
  them after the move has locked the node rows could deadlock. It may refuse the move by
  raising a DomainError (field "parent").
- `subtree_moved(node, old_path, old_parent, new_parent)` — after every path under the node
  changed (`node` carries its new path): settle whatever depends on which nodes are below which.
"""

from django.dispatch import Signal

subtree_moving = Signal()
subtree_moved = Signal()
