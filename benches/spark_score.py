"""Spark (local mode, every core) scoring a universe with scorebook's
exported SQL (`export-sql --dialect spark`), to parquet (zstd).

usage: spark_score.py QUERY.sql UNIVERSE SIGNALS OUT [no-reasons]
(UNIVERSE and SIGNALS are parquet files or globs; `no-reasons` leaves out
reason_1..3, which Spark then does not compute; OUT is a folder of parts)
"""
import os
import sys

from pyspark.sql import SparkSession

query, universe, signals, out = sys.argv[1:5]
spark = (
    SparkSession.builder.master(f"local[{os.cpu_count()}]")
    .appName("scorebook-bench")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "8g"))
    .config("spark.sql.parquet.compression.codec", "zstd")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
spark.read.option("mergeSchema", True).parquet(universe).createOrReplaceTempView("universe")
spark.read.option("mergeSchema", True).parquet(signals).createOrReplaceTempView("signals")
frame = spark.sql(open(query, encoding="utf-8").read())
if sys.argv[5:] == ["no-reasons"]:
    frame = frame.drop("reason_1", "reason_2", "reason_3")
frame.write.mode("overwrite").parquet(out)
spark.stop()
