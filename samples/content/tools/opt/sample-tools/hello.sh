#!/bin/sh
echo "hello from the airlock sample tools image"
