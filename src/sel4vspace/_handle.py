# SPDX-License-Identifier: BSD-2-Clause
"""What Kernel, VSpace and Reservation share as handles of C state: they cannot be copied."""

from __future__ import annotations

from typing import Any, NoReturn


class Handle:
    """A Python object standing for one object of the C world (a kernel, a vspace, a reservation).

    A copy would be a second handle whose own record of the object's life (freed, torn down,
    closed) does not follow the first one's, so copying is refused: ``copy.copy``,
    ``copy.deepcopy`` and pickling raise TypeError. Pass the object itself around instead."""

    __slots__ = ()

    def _refuse_copy(self) -> NoReturn:
        raise TypeError(f"a {type(self).__name__} stands for an object of the C world and cannot be "
                        "copied or pickled; pass the object itself")

    def __copy__(self) -> NoReturn:
        self._refuse_copy()

    def __deepcopy__(self, memo: Any) -> NoReturn:
        self._refuse_copy()

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self._refuse_copy()
