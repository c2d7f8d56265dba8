"""streams.partitioner: the same partitions as aiokafka's (and the Java client's) default."""

from __future__ import annotations

import random

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from streams.partitioner import murmur2, partition_of

#: org.apache.kafka.common.utils.UtilsTest.testMurmur2: key -> the Java client's (signed) hash.
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize(("key", "signed"), JAVA_VECTORS.items())
def test_murmur2_matches_the_java_client(key: bytes, signed: int) -> None:
    assert murmur2(key) == signed & 0xFFFFFFFF


def test_murmur2_matches_aiokafka_on_random_keys_of_every_length() -> None:
    rnd = random.Random(5)
    for length in range(0, 130):
        for _ in range(10):
            key = rnd.randbytes(length)
            assert murmur2(key) == aiokafka_murmur2(key)


def test_partition_of_is_aiokafkas_default_partitioner() -> None:
    rnd = random.Random(6)
    for count in (1, 3, 4, 12):
        partitions = list(range(count))
        for _ in range(300):
            key = f"veilstream.bench.crm.cdc.contacts/{rnd.randrange(count)}/{rnd.randrange(10**7)}".encode()
            assert partition_of(key, partitions) == DefaultPartitioner()(key, partitions, partitions)


def test_partition_of_picks_from_the_ids_given() -> None:
    assert partition_of(b"abc", [5, 7, 9]) in (5, 7, 9)
    assert partition_of(b"abc", [5, 7, 9]) == [5, 7, 9][(479470107 & 0x7FFFFFFF) % 3]
